import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { SweepReport, Verdict } from '../../../shared/domain/sweep-report.js';
import { buildMatrixModel } from '../../../shared/report/html/matrix-model.js';
import { renderTextMatrix } from '../../../shared/report/text-matrix.js';
import { verdictQualifiers } from '../../../shared/report/verdict-qualifiers.js';
import { sweepSummary } from '../../../shared/sweep/sweep-summary.js';
import { bothWays, buildReport } from '../../support/sweep-report-builder.js';

const from = 'h1' as HostName;
const to = 'h3' as HostName;
const carried = (ageSweeps: number) =>
  ({ source: 'carried', sampledAt: '2026-01-02T03:01:00.000Z', ageSweeps }) as const;

describe('views of a sampled sweep say how old a carried verdict is', () => {
  it('qualifiers: the age of a carried verdict, "not sampled yet", nothing for a probed one', () => {
    expect(verdictQualifiers({ from, to, sample: carried(3) })).toEqual(['sampled 3 sweeps ago']);
    expect(verdictQualifiers({ from, to, sample: carried(1) })).toEqual(['sampled 1 sweep ago']);
    expect(
      verdictQualifiers({
        from,
        to,
        sample: { source: 'not-sampled-yet', sampledAt: null, ageSweeps: null },
      }),
    ).toEqual(['not sampled yet']);
    expect(
      verdictQualifiers({
        from,
        to,
        sample: { source: 'probed', sampledAt: carried(0).sampledAt, ageSweeps: 0 },
      }),
    ).toEqual([]);
  });

  // h1~h3 was found down three sweeps ago and not probed since: its paths are absent from this report.
  const full = buildReport({
    hosts: 3,
    startedAt: '2026-01-02T03:04:00.000Z',
    faults: bothWays('h1', 'h3', 'tunnel-down'),
  });
  const onPair = (v: { from: string; to: string }) => [v.from, v.to].sort().join('~') === 'h1~h3';
  const report: SweepReport = {
    ...full,
    paths: full.paths.filter((p) => !onPair(p)),
    verdicts: full.verdicts.map(
      (v): Verdict =>
        onPair(v)
          ? { ...v, sample: carried(3) }
          : { ...v, sample: { source: 'probed', sampledAt: full.startedAt, ageSweeps: 0 } },
    ),
    sampling: { rotation: 29_453_044, peersPerSweep: 1, cycleSweeps: 2 },
  };

  it('text: the sampling line, "not probed" cells, and the age beside the carried cause', () => {
    const text = renderTextMatrix(report);
    expect(text).toContain(
      'peer sampling: 1 peers per agent this sweep (rotation 29453044); every pair is probed within 2 sweeps',
    );
    expect(text).toMatch(/h1 +[^\n]*not probed/);
    expect(text).toMatch(/h1 -> h3 +down +tunnel-down \(sampled 3 sweeps ago\)/);
  });

  it('the one-line summary says how many verdicts this sweep probed', () => {
    expect(sweepSummary(report)).toContain(
      '4/6 pairs ok (tunnel-down×2), 4 probed this sweep (peer sampling)',
    );
    expect(sweepSummary(full)).not.toContain('probed');
  });

  it('page model: a carried cell keeps its verdict, says its sample, and has no probes of its own', () => {
    const model = buildMatrixModel(report, [report], new Date('2026-01-02T03:04:30.000Z'));
    const cell = model.cells[0]![2]!;
    expect(cell).toMatchObject({ from: 'h1', to: 'h3', state: 'down', cause: 'tunnel-down', probes: [] });
    expect(cell.sample).toEqual(carried(3));
    expect(cell.qualifiers).toContain('sampled 3 sweeps ago');
    expect(model.cells[0]![1]!.sample?.source).toBe('probed');
    // History strips are flat per sweep, indexed row × hosts + column.
    const n = model.hosts.length;
    expect(model.history.map((sweep) => sweep.carried[0 * n + 2])).toEqual([true]);
    expect(model.history.map((sweep) => sweep.carried[0 * n + 1])).toEqual([false]);
  });
});
