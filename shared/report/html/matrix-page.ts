import { createHash } from 'node:crypto';
import type { State, SweepReport } from '../../domain/sweep-report.js';
import { escapeHtml as esc, jsonForScript } from './html-escape.js';
import { MATRIX_CLIENT_SCRIPT } from './matrix-client-script.js';
import { formatAge, formatDuration } from './matrix-format.js';
import {
  buildMatrixModel,
  type HostHeader,
  type MatrixModel,
  type MatrixPageOptions,
} from './matrix-model.js';
import { encodePageData } from './matrix-page-data.js';
import { MATRIX_STYLE } from './matrix-style.js';

export type { MatrixPageOptions } from './matrix-model.js';

/** Matrices wider than this get smaller cells without the cause line. */
const DENSE_FROM_HOSTS = 16;

const SCRIPT_HASH = `sha256-${createHash('sha256').update(MATRIX_CLIENT_SCRIPT).digest('base64')}`;

/**
 * The Content-Security-Policy the page declares for itself (and servers may also send as a header):
 * nothing may be fetched, and only the page's own script, pinned by hash, may run — so even a value
 * that escaped escaping could not execute or phone home.
 */
export const MATRIX_PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src '${SCRIPT_HASH}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * A self-contained HTML page of the latest sweep: a source × destination heatmap, host problems on
 * the headers, data age and staleness, and each path's recent history. Pure: the same inputs give
 * the same bytes.
 */
export function renderMatrixPage(
  latest: SweepReport,
  history: readonly SweepReport[],
  now: Date,
  options: MatrixPageOptions = {},
): string {
  const model = buildMatrixModel(latest, history, now, options);
  const n = model.hosts.length;
  const dense = n >= DENSE_FROM_HOSTS;
  const data = encodePageData(model);
  // The cells themselves are drawn by the script, only those in view (matrix-client-script.ts); the
  // host headers are markup, so every host stays reachable from the keyboard and without the script.
  const columns = model.hosts.map((h, i) => hostHeader(h, i, 'col')).join('');
  const rows = model.hosts.map((h, i) => hostHeader(h, i, 'row')).join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(MATRIX_PAGE_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(model.title)} — path matrix</title>
<style>${MATRIX_STYLE}</style>
</head>
<body class="${model.freshness.stale ? 'stale' : ''}" data-finished="${model.freshness.finishedAtMs ?? ''}" data-stale-after="${model.freshness.staleAfterMs}">
${renderTop(model)}
${renderStaleBanner(model)}
${renderProblemsSummary(model)}
${renderLegend()}
<div class="layout">
<section class="pane" aria-label="Path matrix">
<p class="summary" id="tw-caption">Rows: source host · columns: destination host · each cell: overlay RTT${dense ? ' (ms)' : ''}, loss${dense ? ' (%)' : ''}, recent history</p>
<noscript><p class="noscript">The cells are drawn by the page's script; <code>tunnelwatch sweep</code> prints the same matrix as text.</p></noscript>
<div class="scroll" id="tw-scroll">
<div class="matrix${dense ? ' dense' : ''}" id="tw-matrix" role="group" aria-describedby="tw-caption" style="--n:${n}">
<div class="corner">from ↓ to →</div>${columns}${rows}
</div>
</div>
</section>
<aside class="details" id="tw-details" aria-live="polite" aria-label="Details" tabindex="-1">
<p>Select a cell or a host name for the cause, advice, evidence and history.</p>
</aside>
</div>
<script type="application/json" id="tw-grid">${jsonForScript(data.grid)}</script>
<script type="application/json" id="tw-detail">${jsonForScript(data.detail)}</script>
<script>${MATRIX_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function renderTop(model: MatrixModel): string {
  const f = model.freshness;
  const when =
    f.finishedAtMs === null
      ? `<strong>unknown time</strong> (the report's startedAt "${esc(f.startedAt)}" is not a date)`
      : `<time datetime="${esc(new Date(f.finishedAtMs).toISOString())}">${esc(isoMinute(f.finishedAtMs))}</time> · <strong id="tw-age">${esc(formatAge(f.ageMs ?? 0))}</strong>`;
  const c = model.counts;
  const total = c.up + c.degraded + c.down + c.unknown;
  return `<header class="top">
<h1>${esc(model.title)} <span class="state s-${model.status}">${model.status}</span></h1>
<div class="sweep">Last sweep: ${when}${model.durationMs === null ? '' : ` · took ${esc(formatDuration(model.durationMs))}`}</div>
<div class="summary">${model.hosts.length} hosts · ${total} paths: ${c.up} up, ${c.degraded} degraded, ${c.down} down, ${c.unknown} unknown</div>
</header>`;
}

function renderStaleBanner(model: MatrixModel): string {
  const f = model.freshness;
  const age =
    f.ageMs === null ? 'of unknown age' : `from <span id="tw-stale-age">${esc(formatAge(f.ageMs))}</span>`;
  return `<div class="stale-banner" id="tw-stale" role="alert"${f.stale ? '' : ' hidden'}>Stale data: the latest sweep is ${age}, older than ${esc(formatDuration(f.staleAfterMs))}. Sweeps may have stopped — check the monitor's heartbeat before trusting these colours.</div>`;
}

function renderProblemsSummary(model: MatrixModel): string {
  const items = model.hosts.flatMap((h) =>
    h.problems.map((p) => `<li><strong>${esc(h.name)}</strong>: ${esc(p.code)} — ${esc(p.message)}</li>`),
  );
  if (items.length === 0) return '';
  return `<section class="problems-summary" aria-label="Host problems"><strong>Host problems</strong><ul>${items.join('')}</ul></section>`;
}

function renderLegend(): string {
  const states: State[] = ['up', 'degraded', 'down', 'unknown'];
  const swatches = states.map((s) => `<span><i class="state s-${s}"></i>${s}</span>`).join('');
  return `<div class="legend">${swatches}<span>darker green = higher RTT</span><span>bar at the bottom of a cell = last sweeps, oldest left</span><span>arrow keys move between cells</span></div>`;
}

function hostHeader(host: HostHeader, index: number, axis: 'row' | 'col'): string {
  const title = [`${host.name}: ${host.state}`, ...host.problems.map((p) => `${p.code}: ${p.message}`)].join(
    '\n',
  );
  const badges = host.problems.map((p) => `<span class="problem">${esc(p.code)}</span>`).join('');
  return `<div class="${axis} host-${host.state}"><button type="button" data-host="${index}" aria-pressed="false" title="${esc(title)}">${esc(host.name)}${badges}</button></div>`;
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
