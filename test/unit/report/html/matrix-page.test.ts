import { createHash } from 'node:crypto';
import { type DefaultTreeAdapterMap, parse } from 'parse5';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { SweepReport } from '../../../../shared/domain/sweep-report.js';
import { MATRIX_PAGE_CSP, renderMatrixPage } from '../../../../shared/report/html/matrix-page.js';
import {
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
  const cells = all.filter((e) => attr(e, 'data-cell') !== undefined);
  const hosts = all.filter((e) => attr(e, 'data-host') !== undefined);
  return { all, cells, hosts, byId: (id: string) => all.find((e) => attr(e, 'id') === id) };
}

describe('renderMatrixPage', () => {
  it('shows a broken path with its state, loss and cause, and the advice on hover', () => {
    const html = renderMatrixPage(labFaultReport(FRESH), [], NOW);
    const { cells } = page(html);
    expect(cells).toHaveLength(12); // 4 hosts, 4 × 3 ordered pairs

    const broken = cells.filter((c) => attr(c, 'class')?.includes('s-down'));
    expect(broken).toHaveLength(2);
    for (const cell of broken) {
      expect(textOf(cell)).toContain('100% loss');
      expect(textOf(cell)).toContain('udp-4500-blocked');
      expect(attr(cell, 'title')).toMatch(
        /^h[13] → h[13]: down, udp-4500-blocked\nAllow UDP 4500 in both directions between h[13] and h[13]/,
      );
    }
    const healthy = cells.filter((c) => attr(c, 'class')?.includes('s-up'));
    expect(healthy).toHaveLength(10);
    expect(textOf(healthy[0]!)).toMatch(/^\d+\.\d+ ms0% loss$/);
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

  it('draws each path’s recent history, so a flapping path stands out from a steady one', () => {
    const latest = labFaultReport(FRESH);
    const history = historyBefore(latest, 5, 60_000, (startedAt, i) =>
      buildReport({ hosts: 4, startedAt, faults: i % 2 === 0 ? { 'h2>h4': 'packet-loss' } : {} }),
    );
    const { all } = page(renderMatrixPage(latest, history, NOW, { historyLength: 4 }));
    const strips = all.filter((e) => attr(e, 'class')?.startsWith('hist'));
    expect(strips).toHaveLength(12);
    // Loss from h2 to h4 makes both directions' verdicts degraded (diagnose reads both): sweeps 2..4
    // of history (degraded, up, degraded) then the latest (up) → four runs, in both strips.
    const flapping = strips.filter((s) => attr(s, 'style')?.includes('--c-degraded'));
    expect(flapping).toHaveLength(2);
    for (const strip of flapping)
      expect(attr(strip, 'style')).toBe(
        'background:linear-gradient(90deg,var(--c-degraded) 0% 25%,var(--c-up) 25% 50%,var(--c-degraded) 50% 75%,var(--c-up) 75% 100%)',
      );
    // h1>h3 was up in the history and is down now.
    expect(strips.filter((s) => attr(s, 'style')?.includes('var(--c-down) 75% 100%'))).toHaveLength(2);
    expect(strips.filter((s) => attr(s, 'class') === 'hist hs-up')).toHaveLength(8);
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
    expect(scripts.map((s) => attr(s, 'type'))).toEqual(['application/json', undefined]);
    const hash = createHash('sha256').update(textOf(scripts[1]!)).digest('base64');
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
      v.evidence.push(HOSTILE[1]!);
      v.cause = HOSTILE[2] as never;
    }
    for (const p of report.paths) p.error = HOSTILE[3]!;
    // Fields whose type a stored report could break (a state, a number) never get here: the
    // history decoder checks every stored report against the contract (report-row-codec.test.ts).
    report.hosts[2]!.name = HOSTILE[1] as HostName;
    return report;
  }

  const ALLOWED_TAGS = new Set(
    'html head meta title style body header h1 span div strong time section ul li i table caption thead tbody tr th td button b small em aside p script'.split(
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
    expect(all.filter((e) => e.tagName === 'script')).toHaveLength(2);
    expect(textOf(all.find((e) => e.tagName === 'h1')!)).toContain(hostile);
  });

  it('renders every hostile value as text: no injected element, attribute or script', () => {
    const report = hostileReport();
    const html = renderMatrixPage(report, [report], NOW, { title: HOSTILE[0]! });
    const { all, hosts } = page(html);

    expect(all.map((e) => e.tagName).filter((t) => !ALLOWED_TAGS.has(t))).toEqual([]);
    expect(all.filter((e) => e.tagName === 'script')).toHaveLength(2);
    for (const el of all) {
      for (const a of el.attrs) {
        expect(a.name, `${el.tagName} has attribute ${a.name}`).toMatch(
          /^(lang|charset|http-equiv|content|name|class|id|scope|type|data-host|data-cell|aria-[a-z]+|title|style|datetime|role|hidden|tabindex|data-finished|data-stale-after)$/,
        );
      }
      const style = attr(el, 'style');
      if (style !== undefined)
        expect(style).toMatch(/^(--l:\d+%|background:linear-gradient\(90deg,[a-z0-9%(),. -]+\))$/);
      const cls = attr(el, 'class');
      if (cls !== undefined) expect(cls).toMatch(/^[a-z0-9 -]*$/);
    }

    // The values survive as text, where a person can read them.
    expect(hosts.map(textOf)).toContain(HOSTILE[0]);
    expect(hosts.some((h) => textOf(h) === `${HOSTILE[1]}agent-ip-misconfigured`)).toBe(true);
    const title = all.find((e) => e.tagName === 'title')!;
    expect(textOf(title)).toBe(`${HOSTILE[0]} — path matrix`);

    // The embedded JSON is one intact script that parses and holds the hostile strings verbatim.
    const json = JSON.parse(textOf(all.find((e) => attr(e, 'id') === 'tw-data')!)) as { s: string[] };
    for (const value of HOSTILE) expect(json.s).toContain(value);
  });
});
