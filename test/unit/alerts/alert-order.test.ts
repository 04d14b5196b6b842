import { describe, expect, it } from 'vitest';
import { isLateSweep } from '../../../shared/alerts/alert-state.js';
import { type AlertOutcome, applyAlerts } from '../../../shared/alerts/apply-alerts.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { MemoryAlertStore } from '../../support/memory-alert-store.js';
import { bothWays, buildReport, hostName } from '../../support/sweep-report-builder.js';

const HOSTS = [1, 2, 3].map(hostName);
/** The report of the sweep that started at minute `m`, failing h1~h3 or healthy. */
const sweepAt = (m: number, failing: boolean): SweepReport =>
  buildReport({
    hosts: 3,
    startedAt: new Date(Date.UTC(2025, 0, 1, 12, m)).toISOString(),
    faults: failing ? bothWays('h1', 'h3', 'tunnel-down') : {},
  });
const FAIL = true;
const OK = false;

/** Delivers reports in the given order (as late or retried invocations would) and collects what happened. */
async function deliver(store: MemoryAlertStore, order: [number, boolean][]): Promise<string[]> {
  const events: string[] = [];
  for (const [m, failing] of order) {
    const report = sweepAt(m, failing);
    const outcome: AlertOutcome = await applyAlerts(
      store,
      report,
      HOSTS,
      new Date(Date.parse(report.startedAt) + 5000),
    );
    events.push(...outcome.transitions.map((t) => `${t.action}@${m}`));
  }
  return events;
}

describe('isLateSweep (pure)', () => {
  it.each([
    [null, '2025-01-01T12:00:00.000Z', false],
    ['2025-01-01T12:05:00.000Z', '2025-01-01T12:06:00.000Z', false],
    ['2025-01-01T12:05:00.000Z', '2025-01-01T12:05:00.000Z', true],
    ['2025-01-01T12:05:00.000Z', '2025-01-01T12:04:00.000Z', true],
    // Same instant written with an offset is the same sweep, not a newer one.
    ['2025-01-01T12:05:00.000Z', '2025-01-01T13:05:00.000+01:00', true],
    ['2025-01-01T12:05:00.000Z', 'not a time', true],
    [null, 'not a time', true],
    ['not a time either', '2025-01-01T12:06:00.000Z', false],
  ])('newest %s, report %s: late %s', (newest, started, late) => {
    expect(isLateSweep(newest, started)).toBe(late);
  });
});

describe('alert state keeps the order of sweeps', () => {
  it('in order, fail ok fail never pages', async () => {
    expect(
      await deliver(new MemoryAlertStore(), [
        [1, FAIL],
        [2, OK],
        [3, FAIL],
      ]),
    ).toEqual([]);
  });

  it('late failures after a healthy sweep deleted the pristine row cannot open an alert', async () => {
    const store = new MemoryAlertStore();
    // Minutes 3 (fail) and 4 (ok) arrive first; 4 leaves h1~h3 pristine, so its row is deleted.
    expect(
      await deliver(store, [
        [3, FAIL],
        [4, OK],
      ]),
    ).toEqual([]);
    expect(store.rows.size).toBe(0);
    // Then the delayed reports of minutes 1 and 2, both failing: two "consecutive" failures, but old.
    expect(
      await deliver(store, [
        [1, FAIL],
        [2, FAIL],
      ]),
    ).toEqual([]);
    expect(store.rows.size).toBe(0);
    // The next real failure starts a streak of one, not three.
    expect(await deliver(store, [[5, FAIL]])).toEqual([]);
    expect(await deliver(store, [[6, FAIL]])).toEqual(['opened@6']);
  });

  it('late healthy reports cannot resolve an open alert, late failing ones cannot reopen a resolved one', async () => {
    const store = new MemoryAlertStore();
    expect(
      await deliver(store, [
        [10, FAIL],
        [11, FAIL],
      ]),
    ).toEqual(['opened@11']);
    expect(
      await deliver(store, [
        [12, FAIL],
        [8, OK],
        [9, OK],
      ]),
    ).toEqual([]);
    expect(
      await deliver(store, [
        [13, OK],
        [14, OK],
      ]),
    ).toEqual(['resolved@14']);
    expect(
      await deliver(store, [
        [5, FAIL],
        [6, FAIL],
        [7, FAIL],
      ]),
    ).toEqual([]);
    expect(store.mark?.sweepAt).toBe(sweepAt(14, OK).startedAt);
  });

  it('a late report still lists the alerts that are open', async () => {
    const store = new MemoryAlertStore();
    await deliver(store, [
      [1, FAIL],
      [2, FAIL],
    ]);
    const late = await applyAlerts(store, sweepAt(1, OK), HOSTS, new Date());
    expect(late.transitions).toEqual([]);
    expect(late.open.map((o) => `${o.pair.a}~${o.pair.b}`)).toEqual(['h1~h3']);
  });
});
