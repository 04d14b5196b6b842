import { createHash } from 'node:crypto';
import { printableStrings } from '../../domain/printable-text.js';
import type { State, SweepReport } from '../../domain/sweep-report.js';
import { escapeHtml as esc, jsonForScript } from './html-escape.js';
import { MATRIX_CLIENT_SCRIPT } from './matrix-client-script.js';
import {
  formatAge,
  formatDuration,
  formatLoss,
  formatRtt,
  formatRttNumber,
  rttLightness,
} from './matrix-format.js';
import {
  buildMatrixModel,
  type HistoryPoint,
  type HostHeader,
  type MatrixCell,
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
  const dense = model.hosts.length >= DENSE_FROM_HOSTS;
  let cellIndex = 0;
  const rows = model.hosts.map((host, r) => {
    const cells = model.cells[r]!.map((cell) =>
      cell ? renderCell(cell, cellIndex++, dense) : '<td class="self" aria-label="same host"></td>',
    );
    return `<tr>${hostHeader(host, r, 'row')}${cells.join('')}</tr>`;
  });

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
<div class="scroll">
<table class="matrix${dense ? ' dense' : ''}" id="tw-matrix">
<caption class="summary">Rows: source host · columns: destination host · each cell: overlay RTT${dense ? ' (ms)' : ''}, loss${dense ? ' (%)' : ''}, recent history</caption>
<thead><tr><th class="corner" scope="col">from ↓ to →</th>${model.hosts.map((h, i) => hostHeader(h, i, 'col')).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>
<aside class="details" id="tw-details" aria-live="polite" aria-label="Details" tabindex="-1">
<p>Select a cell or a host name for the cause, advice, evidence and history.</p>
</aside>
</div>
<script type="application/json" id="tw-data">${jsonForScript(printableStrings(encodePageData(model)))}</script>
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
  return `<div class="legend">${swatches}<span>darker green = higher RTT</span><span>bar at the bottom of a cell = last sweeps, oldest left</span></div>`;
}

function hostHeader(host: HostHeader, index: number, scope: 'row' | 'col'): string {
  const title = [`${host.name}: ${host.state}`, ...host.problems.map((p) => `${p.code}: ${p.message}`)].join(
    '\n',
  );
  const badges = host.problems.map((p) => `<span class="problem">${esc(p.code)}</span>`).join('');
  const cls = `${scope === 'col' ? 'col ' : ''}host-${host.state}`;
  return `<th scope="${scope}" class="${cls}"><button type="button" data-host="${index}" aria-pressed="false" title="${esc(title)}">${esc(host.name)}${badges}</button></th>`;
}

function renderCell(cell: MatrixCell, index: number, dense: boolean): string {
  const style =
    cell.state === 'up' || cell.state === 'degraded' ? ` style="--l:${rttLightness(cell.rttMs)}%"` : '';
  // Problem cells carry their title in the markup so hover works without the script; healthy ones
  // get theirs from the script on first hover (see matrix-client-script.ts).
  const title =
    cell.state === 'up' && !cell.latent
      ? ''
      : ` title="${esc(`${cell.from} → ${cell.to}: ${cell.state}, ${cell.cause}${cell.qualifiers.length > 0 ? ` (${cell.qualifiers.join(', ')})` : ''}\n${cell.advice}`)}"`;
  // Dense cells are too narrow for the cause: it is in the title and the panel.
  const cause = dense || (cell.state === 'up' && !cell.latent) ? '' : `<em>${esc(cell.cause)}</em>`;
  // Dense matrices drop the units (the caption names them). Kept terse: a 50-host page has 2,450 of these (no type="button": there is no form to submit).
  return `<td><button class="cell s-${cell.state}${cell.latent ? ' latent' : ''}" data-cell="${index}"${style}${title}><b>${esc(dense ? formatRttNumber(cell.rttMs) : formatRtt(cell.rttMs))}</b><small>${esc(formatLoss(cell.lossRatio))}${dense ? '' : ' loss'}</small>${cause}${historyStrip(cell.history)}</button></td>`;
}

/** One bar per cell, its colours run-length encoded so a steady path costs a class, not N elements. */
function historyStrip(history: HistoryPoint[]): string {
  if (history.length === 0) return '';
  const runs: { state: State | null; count: number }[] = [];
  for (const point of history) {
    const last = runs[runs.length - 1];
    if (last && last.state === point.state) last.count++;
    else runs.push({ state: point.state, count: 1 });
  }
  if (runs.length === 1) return `<i class="hist hs-${runs[0]!.state ?? 'none'}"></i>`;
  let at = 0;
  const stops = runs.map((run) => {
    const from = (at / history.length) * 100;
    at += run.count;
    const to = (at / history.length) * 100;
    return `var(--c-${run.state ?? 'none'}) ${round1(from)}% ${round1(to)}%`;
  });
  return `<i class="hist" style="background:linear-gradient(90deg,${stops.join(',')})"></i>`;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
