import { describe, expect, it } from 'vitest';
import { applyAlerts, statelessOutcome } from '../../../shared/alerts/apply-alerts.js';
import type { SampleSource, SweepReport, Verdict } from '../../../shared/domain/sweep-report.js';
import { MemoryAlertStore } from '../../support/memory-alert-store.js';
import { bothWays, buildReport, hostName } from '../../support/sweep-report-builder.js';

// Under peer sampling alerts count samples of a pair, not sweeps: a sweep that did not probe h1~h3
// carries its last verdict (sample.source 'carried'), which must neither advance nor reset a streak.
const HOSTS = [1, 2, 3].map(hostName);
const minute = (m: number) => new Date(Date.UTC(2025, 0, 1, 12, m));
const onPair = (v: Verdict) => [v.from, v.to].sort().join('~') === 'h1~h3';

/** The sweep at minute `m`: h1~h3 failing or healthy, and probed this sweep or carried from `sampledAt`. */
function sweepAt(m: number, failing: boolean, source: SampleSource, sampledAt = m): SweepReport {
  const report = buildReport({
    hosts: 3,
    startedAt: minute(m).toISOString(),
    faults: failing ? bothWays('h1', 'h3', 'tunnel-down') : {},
  });
  const sample = (v: Verdict) =>
    onPair(v)
      ? { source, sampledAt: minute(sampledAt).toISOString(), ageSweeps: m - sampledAt }
      : { source: 'probed' as const, sampledAt: minute(m).toISOString(), ageSweeps: 0 };
  return {
    ...report,
    verdicts: report.verdicts.map((v) => ({ ...v, sample: sample(v) })),
    sampling: { rotation: m, peersPerSweep: 1, cycleSweeps: 2 },
  };
}

async function run(reports: SweepReport[]): Promise<string[]> {
  const store = new MemoryAlertStore();
  const events: string[] = [];
  for (const report of reports) {
    const outcome = await applyAlerts(store, report, HOSTS, new Date(Date.parse(report.startedAt) + 5000));
    events.push(...outcome.transitions.map((t) => `${t.action}@${new Date(t.openedAt).getUTCMinutes()}`));
    if (outcome.transitions.some((t) => t.action === 'resolved'))
      events.push(`resolved-in-sweep@${new Date(report.startedAt).getUTCMinutes()}`);
  }
  return events;
}
const FAIL = true;
const OK = false;

describe('alerts under peer sampling count samples, not sweeps', () => {
  it('a pair bad in 2 consecutive samples alerts, though the sweeps between did not sample it', async () => {
    expect(
      await run([
        sweepAt(1, FAIL, 'probed'),
        sweepAt(2, FAIL, 'carried', 1),
        sweepAt(3, FAIL, 'carried', 1),
        sweepAt(4, FAIL, 'probed'),
      ]),
    ).toEqual(['opened@4']);
  });

  it('a carried failing verdict does not count as a second sample', async () => {
    expect(await run([sweepAt(1, FAIL, 'probed'), sweepAt(2, FAIL, 'carried', 1)])).toEqual([]);
  });

  it('an unsampled sweep never resolves an alert: only the second healthy sample does', async () => {
    const open = [sweepAt(1, FAIL, 'probed'), sweepAt(2, FAIL, 'probed')];
    const healedOnce = [...open, sweepAt(3, OK, 'probed')];
    const carriedHealthy = [4, 5, 6, 7].map((m) => sweepAt(m, OK, 'carried', 3));
    expect(await run([...healedOnce, ...carriedHealthy])).toEqual(['opened@2']);
    expect(await run([...healedOnce, ...carriedHealthy, sweepAt(8, OK, 'probed')])).toEqual([
      'opened@2',
      'resolved@2',
      'resolved-in-sweep@8',
    ]);
  });

  it('a carried healthy verdict does not reset a failing streak', async () => {
    expect(
      await run([sweepAt(1, FAIL, 'probed'), sweepAt(2, OK, 'carried', 0), sweepAt(3, FAIL, 'probed')]),
    ).toEqual(['opened@3']);
  });

  it('a pair not sampled yet counts neither way', async () => {
    const notYet = (m: number): SweepReport => {
      const report = sweepAt(m, OK, 'probed');
      return {
        ...report,
        verdicts: report.verdicts.map((v) =>
          onPair(v)
            ? {
                ...v,
                state: 'unknown',
                cause: 'unknown',
                sample: { source: 'not-sampled-yet', sampledAt: null, ageSweeps: null },
              }
            : v,
        ),
      };
    };
    expect(await run([sweepAt(1, FAIL, 'probed'), notYet(2), sweepAt(3, FAIL, 'probed')])).toEqual([
      'opened@3',
    ]);
  });

  it('carried verdicts are not verdict changes, with or without alert state', async () => {
    const store = new MemoryAlertStore();
    await applyAlerts(store, sweepAt(1, OK, 'probed'), HOSTS, minute(1));
    const carried = sweepAt(2, FAIL, 'carried', 0);
    const outcome = await applyAlerts(store, carried, HOSTS, minute(2));
    expect(outcome.verdictChanges).toEqual([]);
    expect(statelessOutcome(carried).verdictChanges).toEqual([]);
    expect(statelessOutcome(sweepAt(3, FAIL, 'probed')).verdictChanges.length).toBeGreaterThan(0);
  });
});
