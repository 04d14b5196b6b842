import { createHash } from 'node:crypto';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { SweepReport } from '../../../../shared/domain/sweep-report.js';
import { buildMatrixModel } from '../../../../shared/report/html/matrix-model.js';
import { MATRIX_PAGE_CSP, renderMatrixPage } from '../../../../shared/report/html/matrix-page.js';
import type { DetailData, GridData } from '../../../../shared/report/html/matrix-page-data.js';
import { type DecodedCell, decodeCell, pageIslands } from '../../../support/matrix-page-data-decoder.js';
import {
  bothWays,
  buildReport,
  historyBefore,
  hostProblemsReport,
  labFaultReport,
} from '../../../support/sweep-report-builder.js';

type Element = DefaultTreeAdapterMap['element'];
type Node = DefaultTreeAdapterMap['node'];

const NOW = new Date('2026-03-02T10:00:00.000Z');
const FRESH = new Date(NOW.getTime() - 20_000);

function elements(root: Node): Element[] {
  const out: Element[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node) out.push(node);
    const children = 'childNodes' in node ? node.childNodes : [];
    for (const child of children) walk(child);
    if ('content' in node && node.content) walk(node.content as Node);
  };
  walk(root);
  return out;
}

function attr(el: Element, name: string): string | undefined {
  return el.attrs.find((a) => a.name === name)?.value;
}

function textOf(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in node ? node.childNodes.map(textOf).join('') : '';
}

function page(html: string) {
  const all = elements(parse(html));
  const hosts = all.filter((e) => attr(e, 'data-host') !== undefined);
  return { all, hosts, byId: (id: string) => all.find((e) => attr(e, 'id') === id) };
}

/** Every cell the page carries, decoded from its data as its script does. */
function cells(html: string): DecodedCell[] {
  const { grid, detail } = pageIslands(html);
  const out: DecodedCell[] = [];
  for (let r = 0; r < grid.n; r++)
    for (let c = 0; c < grid.n; c++) {
      const cell = decodeCell(grid, detail, r, c);
      if (cell) out.push(cell);
    }
  return out;
}

describe('renderMatrixPage', () => {
  it('carries a broken path with its state, loss, cause and advice', () => {
    const all = cells(renderMatrixPage(labFaultReport(FRESH), [], NOW));
    expect(all).toHaveLength(12); // 4 hosts, 4 × 3 ordered pairs

    const broken = all.filter((c) => c.state === 'down');
    expect(broken.map((c) => `${c.from}>${c.to}`).sort()).toEqual(['h1>h3', 'h3>h1']);
    for (const cell of broken) {
      expect(cell.lossRatio).toBe(1);
      expect(cell.cause).toBe('udp-4500-blocked');
      expect(cell.advice).toMatch(/^Allow UDP 4500 in both directions between h[13] and h[13]/);
      expect(cell.evidence).toContain(`IKE UDP 4500 ${cell.from}→${cell.to}: no answer (timeout)`);
    }
    expect(all.filter((c) => c.state === 'up')).toHaveLength(10);
  });

  it('carries every pair exactly as the model has it: verdict, evidence, probes and history', () => {
    const latest = buildReport({
      hosts: 6,
      startedAt: FRESH,
      faults: {
        ...bothWays('h1', 'h2', 'mtu-blackhole'),
        'h3>h4': 'udp-500-blocked',
        'h2>h5': 'tunnel-down',
        'h4>h1': 'packet-loss',
      },
      hostFindings: { h6: [{ code: 'agent-missing', message: 'no agent container' }] },
    });
    const history = historyBefore(latest, 4, 60_000, (startedAt, i) =>
      buildReport({ hosts: 6, startedAt, seed: i, faults: i % 2 ? { 'h2>h4': 'packet-loss' } : {} }),
    );
    const model = buildMatrixModel(latest, history, NOW);
    const { grid, detail } = pageIslands(renderMatrixPage(latest, history, NOW));
    const ms = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    let compared = 0;
    model.cells.forEach((row, r) => {
      row.forEach((cell, c) => {
        const decoded = decodeCell(grid, detail, r, c);
        if (!cell) {
          expect(decoded).toBeNull();
          return;
        }
        compared++;
        expect(decoded).toEqual({
          from: cell.from,
          to: cell.to,
          state: cell.state,
          cause: cell.cause,
          advice: cell.advice,
          qualifiers: cell.qualifiers.length > 0 ? cell.qualifiers.join(', ') : null,
          latent: cell.latent,
          rttMs: ms(cell.rttMs),
          lossRatio: cell.lossRatio,
          evidence: cell.evidence,
          probes: cell.probes.map((p) => ({
            ...p,
            rttMs: p.rttMs && { min: ms(p.rttMs.min), avg: ms(p.rttMs.avg), max: ms(p.rttMs.max) },
          })),
          history: model.history.map((sweep) => ({
            startedAt: sweep.startedAt,
            state: sweep.states[r * 6 + c],
            rttMs: ms(sweep.rttMs[r * 6 + c] ?? null),
            lossRatio: sweep.lossRatio[r * 6 + c],
          })),
        });
      });
    });
    expect(compared).toBe(30);
    // Phrases repeat across pairs once the pair's names are taken out: far fewer strings than evidence.
    const evidence = model.cells.flat().reduce((n, cell) => n + (cell?.evidence.length ?? 0), 0);
    expect(detail.s.length).toBeLessThan(evidence / 2);
  });

  it('puts host-level problems on both the row and the column header', () => {
    const { hosts } = page(renderMatrixPage(hostProblemsReport(FRESH), [], NOW));
    expect(hosts).toHaveLength(12); // 6 column headers + 6 row headers
    const headersOf = (name: string) => hosts.filter((h) => textOf(h).startsWith(name));
    expect(headersOf('h4').map(textOf)).toEqual(['h4agent-missing', 'h4agent-missing']);
    expect(headersOf('h5').map(textOf)).toEqual(['h5docker-unreachable', 'h5docker-unreachable']);
    expect(headersOf('h6').map(textOf)).toEqual(['h6agent-ip-misconfigured', 'h6agent-ip-misconfigured']);
    expect(attr(headersOf('h5')[0]!, 'title')).toContain('connect ETIMEDOUT 198.18.0.15:2376');
    expect(headersOf('h1').map(textOf)).toEqual(['h1', 'h1']);
  });

  it('shows the sweep time and age, and looks stale only when older than the stale threshold', () => {
    const fresh = page(renderMatrixPage(labFaultReport(FRESH), [], NOW));
    // Started 20 s ago and took 1.83 s: the data is as old as the sweep's end.
    expect(textOf(fresh.byId('tw-age')!)).toBe('18 s ago');
    expect(attr(fresh.byId('tw-stale')!, 'hidden')).toBe('');
    expect(attr(fresh.all.find((e) => e.tagName === 'body')!, 'class')).toBe('');

    const old = new Date(NOW.getTime() - 4 * 60_000);
    const stale = page(renderMatrixPage(labFaultReport(old), [], NOW));
    expect(attr(stale.byId('tw-stale')!, 'hidden')).toBeUndefined();
    expect(textOf(stale.byId('tw-stale')!)).toContain('Stale data');
    expect(attr(stale.all.find((e) => e.tagName === 'body')!, 'class')).toBe('stale');

    // The threshold is a parameter: 10 intervals of 60 s make 4 minutes fresh again.
    const tolerant = page(renderMatrixPage(labFaultReport(old), [], NOW, { staleAfterIntervals: 10 }));
    expect(attr(tolerant.byId('tw-stale')!, 'hidden')).toBe('');
  });

  it('carries each path’s recent history, so a flapping path stands out from a steady one', () => {
    const latest = labFaultReport(FRESH);
    const history = historyBefore(latest, 5, 60_000, (startedAt, i) =>
      buildReport({ hosts: 4, startedAt, faults: i % 2 === 0 ? { 'h2>h4': 'packet-loss' } : {} }),
    );
    const all = cells(renderMatrixPage(latest, history, NOW, { historyLength: 4 }));
    const strip = (from: string, to: string) =>
      all.find((c) => c.from === from && c.to === to)!.history.map((h) => h.state);
    // Loss from h2 to h4 makes both directions' verdicts degraded (diagnose reads both): sweeps 2..4
    // of history (degraded, up, degraded) then the latest (up).
    expect(strip('h2', 'h4')).toEqual(['degraded', 'up', 'degraded', 'up']);
    expect(strip('h4', 'h2')).toEqual(['degraded', 'up', 'degraded', 'up']);
    // h1>h3 was up in the history and is down now.
    expect(strip('h1', 'h3')).toEqual(['up', 'up', 'up', 'down']);
    expect(strip('h1', 'h2')).toEqual(['up', 'up', 'up', 'up']);
    expect(all[0]!.history.map((h) => h.startedAt)).toEqual([
      ...history.slice(-3).map((r) => r.startedAt),
      latest.startedAt,
    ]);
  });

  it('is pure: the same inputs give the same bytes', () => {
    const report = hostProblemsReport(FRESH);
    expect(renderMatrixPage(report, [report], NOW)).toBe(renderMatrixPage(report, [report], NOW));
  });

  it('fetches nothing and runs only its own script, pinned by hash', () => {
    const html = renderMatrixPage(labFaultReport(FRESH), [], NOW);
    const { all } = page(html);
    expect(all.filter((e) => ['link', 'img', 'iframe', 'object', 'embed'].includes(e.tagName))).toEqual([]);
    expect(all.filter((e) => attr(e, 'src') !== undefined || attr(e, 'href') !== undefined)).toEqual([]);
    const scripts = all.filter((e) => e.tagName === 'script');
    expect(scripts.map((s) => attr(s, 'type'))).toEqual(['application/json', 'application/json', undefined]);
    const hash = createHash('sha256').update(textOf(scripts[2]!)).digest('base64');
    expect(MATRIX_PAGE_CSP).toContain(`script-src 'sha256-${hash}'`);
    expect(attr(all.find((e) => attr(e, 'http-equiv') === 'Content-Security-Policy')!, 'content')).toBe(
      MATRIX_PAGE_CSP,
    );
  });
});

describe('renderMatrixPage with hostile values from hosts and labels', () => {
  const HOSTILE = [
    '<img src=x onerror=alert(1)>',
    '"><svg onload=alert(2)>',
    "' onmouseover='alert(3)",
    '</script><script>alert(4)</script>',
    '<!--',
    '</ScRiPt ><!--<script>',
  ];

  function hostileReport(): SweepReport {
    const names = ['h1', HOSTILE[0]!, HOSTILE[1]!];
    const report = buildReport({
      hosts: names,
      startedAt: FRESH,
      faults: { [`h1>${HOSTILE[0]}` as const]: 'udp-4500-blocked' },
      hostFindings: { [HOSTILE[1]!]: [{ code: 'agent-ip-misconfigured', message: HOSTILE[3]! }] },
    });
    const h1 = report.hosts[0]!;
    h1.agent!.containerId = HOSTILE[2]!;
    h1.findings = [{ code: HOSTILE[4] as never, message: HOSTILE[2]! }];
    h1.error = HOSTILE[3]!;
    for (const v of report.verdicts) {
      v.advice = `${HOSTILE[3]} ${HOSTILE[0]}`;
      v.evidence.push(HOSTILE[1]!, HOSTILE[5]!);
      v.cause = HOSTILE[2] as never;
    }
    for (const p of report.paths) p.error = HOSTILE[3]!;
    // Fields whose type a stored report could break (a state, a number) never get here: the
    // history decoder checks every stored report against the contract (report-row-codec.test.ts).
    report.hosts[2]!.name = HOSTILE[1] as HostName;
    return report;
  }

  const ALLOWED_TAGS = new Set(
    'html head meta title style body header h1 span div strong time section ul li i button aside p script noscript'.split(
      ' ',
    ),
  );

  it('escapes a page title that closes <title>, where the browser would parse the rest as markup', () => {
    // Inside <title> the browser reads text until "</title>": only a title that closes it can inject.
    const hostile = '</title><script>alert(5)</script><title>';
    const report = hostileReport();
    const { all } = page(renderMatrixPage(report, [report], NOW, { title: hostile }));
    expect(all.filter((e) => e.tagName === 'title')).toHaveLength(1);
    expect(textOf(all.find((e) => e.tagName === 'title')!)).toBe(`${hostile} — path matrix`);
    expect(all.filter((e) => e.tagName === 'script')).toHaveLength(3);
    expect(textOf(all.find((e) => e.tagName === 'h1')!)).toContain(hostile);
  });

  it('renders every hostile value as text: no injected element, attribute or script', () => {
    const report = hostileReport();
    const html = renderMatrixPage(report, [report], NOW, { title: HOSTILE[0]! });
    const { all, hosts } = page(html);

    expect(all.map((e) => e.tagName).filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
    expect(all.filter((e) => e.tagName === 'script')).toHaveLength(3);
    for (const el of all) {
      for (const a of el.attrs) {
        expect(a.name, `${el.tagName} has attribute ${a.name}`).toMatch(
          /^(lang|charset|http-equiv|content|name|class|id|type|data-host|aria-[a-z]+|title|style|datetime|role|hidden|tabindex|data-finished|data-stale-after)$/,
        );
      }
      const style = attr(el, 'style');
      if (style !== undefined) expect(style).toMatch(/^--n:\d+$/);
      const cls = attr(el, 'class');
      if (cls !== undefined) expect(cls).toMatch(/^[a-z0-9 -]*$/);
    }

    // The values survive as text, where a person can read them.
    expect(hosts.map(textOf)).toContain(HOSTILE[0]);
    expect(hosts.some((h) => textOf(h) === `${HOSTILE[1]}agent-ip-misconfigured`)).toBe(true);
    const title = all.find((e) => e.tagName === 'title')!;
    expect(textOf(title)).toBe(`${HOSTILE[0]} — path matrix`);

    // Each embedded JSON island is one intact script (parse5 read it as the browser does) that
    // parses and gives back the hostile strings verbatim.
    const island = (id: string) => JSON.parse(textOf(all.find((e) => attr(e, 'id') === id)!)) as unknown;
    const grid = island('tw-grid') as GridData;
    const detail = island('tw-detail') as DetailData;
    for (const value of HOSTILE.slice(0, 4)) expect(grid.s).toContain(value);
    expect(detail.s).toContain(HOSTILE[5]);
    const names = grid.h.map((h) => grid.s[h[0]]);
    expect(names).toEqual(['h1', HOSTILE[0], HOSTILE[1]]);
    for (const verdict of report.verdicts) {
      const cell = decodeCell(grid, detail, names.indexOf(verdict.from), names.indexOf(verdict.to))!;
      expect(cell.evidence).toEqual(verdict.evidence);
      expect(cell.advice).toBe(verdict.advice);
    }
  });
});
