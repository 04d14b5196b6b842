import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import { renderMatrixPage } from '../../../shared/report/html/matrix-page.js';
import { renderTextMatrix } from '../../../shared/report/text-matrix.js';
import { verdictQualifiers } from '../../../shared/report/verdict-qualifiers.js';
import { decodeCell, pageIslands } from '../../support/matrix-page-data-decoder.js';
import { bothWays, buildReport } from '../../support/sweep-report-builder.js';

const from = 'h1' as HostName;
const to = 'h2' as HostName;

describe('verdictQualifiers', () => {
  it('names the dropped direction by its hosts, as the operator reads a path', () => {
    expect(verdictQualifiers({ from, to, direction: 'forward' })).toEqual(['dropped h1→h2']);
    expect(verdictQualifiers({ from, to, direction: 'reverse' })).toEqual(['dropped h2→h1']);
    expect(verdictQualifiers({ from, to, direction: 'both' })).toEqual(['dropped both ways']);
  });

  it('says latent and the path MTU, and nothing for a plain verdict', () => {
    expect(verdictQualifiers({ from, to, latent: true, pmtu: 1300 })).toEqual(['latent', 'pmtu 1300 bytes']);
    expect(verdictQualifiers({ from, to })).toEqual([]);
    expect(verdictQualifiers({ from, to, latent: false })).toEqual([]);
  });
});

describe('the views show an MTU black hole with its pmtu, not only in the evidence', () => {
  const report = buildReport({
    hosts: 3,
    startedAt: new Date(Date.now() - 10_000),
    faults: bothWays('h1', 'h2', 'mtu-blackhole'),
  });
  const blackhole = report.verdicts.find((v) => v.from === 'h1' && v.to === 'h2')!;

  it('is diagnosed with the pmtu the ladder found', () => {
    expect(blackhole).toMatchObject({ cause: 'mtu-blackhole', pmtu: 1300 });
  });

  it('the text view prints it beside the cause', () => {
    expect(renderTextMatrix(report)).toMatch(/h1 -> h2 +down +mtu-blackhole \(pmtu 1300 bytes\)/);
  });

  it('the matrix page carries it for the cell title and the details panel', () => {
    const { grid, detail } = pageIslands(renderMatrixPage(report, [], new Date()));
    const cell = decodeCell(grid, detail, 0, 1)!;
    expect([cell.from, cell.to, cell.cause, cell.qualifiers]).toEqual([
      'h1',
      'h2',
      'mtu-blackhole',
      'pmtu 1300 bytes',
    ]);
    expect(cell.probes.find((p) => p.probe === 'overlay-mtu')?.note).toBe('largest passing 1300 bytes');
  });
});
