import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertStore } from '../../shared/alerts/alert-store.js';
import { type AlertOutcome, applyAlerts } from '../../shared/alerts/apply-alerts.js';
import { TableAlertStore } from '../../shared/alerts/table-alert-store.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { bothWays, buildReport, hostName, type PathFault } from '../support/sweep-report-builder.js';

let azurite: Azurite;
let tableCount = 0;

beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});

/** Each test gets its own table, so tests cannot see each other's state. */
function freshStore(
  connectionString = azurite.connectionString,
  tableName = `alerts${++tableCount}t${Date.now() % 100000}`,
) {
  return { tableName, store: TableAlertStore.create({ connectionString, tableName }) };
}

const HOSTS = [1, 2, 3].map(hostName);
let minute = 0;
function sweep(fault?: PathFault, pair: [number, number] = [1, 3]): SweepReport {
  minute++;
  const startedAt = new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString();
  return buildReport({
    hosts: 3,
    startedAt,
    faults: fault ? bothWays(hostName(pair[0]), hostName(pair[1]), fault) : {},
  });
}
const at = (report: SweepReport) => new Date(Date.parse(report.startedAt) + 5_000);
const actions = (outcome: AlertOutcome) =>
  outcome.transitions.map((t) => `${t.action} ${t.pair.a}~${t.pair.b} ${t.cause}`);

async function run(store: AlertStore, report: SweepReport, options = {}, hosts = HOSTS) {
  return applyAlerts(store, report, hosts, at(report), options);
}

describe('alert state in Table Storage (Azurite)', () => {
  it('opens after K=2 failing sweeps, resolves after M=2 healthy ones, with one stable id', async () => {
    const { store } = freshStore();
    const first = await run(store, sweep('udp-4500-blocked'));
    expect(first.transitions).toEqual([]);
    expect(first.open).toEqual([]);

    const second = await run(store, sweep('udp-4500-blocked'));
    expect(actions(second)).toEqual(['opened h1~h3 udp-4500-blocked']);
    const opened = second.transitions[0]!;
    expect(opened.alertId).toMatch(/^h1~h3~2025/);
    expect(opened.advice).toContain('UDP 4500');
    expect(second.open.map((o) => o.alertId)).toEqual([opened.alertId]);

    const third = await run(store, sweep('udp-4500-blocked'));
    expect(third.transitions).toEqual([]);
    expect(third.open.map((o) => o.alertId)).toEqual([opened.alertId]);

    expect((await run(store, sweep())).transitions).toEqual([]);
    const healed = await run(store, sweep());
    expect(actions(healed)).toEqual(['resolved h1~h3 udp-4500-blocked']);
    expect(healed.transitions[0]).toMatchObject({
      alertId: opened.alertId,
      reason: 'healed',
      openedAt: opened.openedAt,
    });
    expect(healed.open).toEqual([]);
    // Healthy again: nothing left to remember, so the table is empty (cheap healthy sweeps).
    expect(await store.list()).toEqual([]);
  });

  it('does not page on a flapping path (fail, ok, fail, ok…) and honours a larger K', async () => {
    const { store } = freshStore();
    for (let i = 0; i < 6; i++) {
      const outcome = await run(store, sweep(i % 2 === 0 ? 'tunnel-down' : undefined));
      expect(outcome.transitions).toEqual([]);
    }
    const policy = { policy: { openAfter: 3, resolveAfter: 1 } };
    expect((await run(store, sweep('tunnel-down'), policy)).transitions).toEqual([]);
    expect((await run(store, sweep('tunnel-down'), policy)).transitions).toEqual([]);
    expect(actions(await run(store, sweep('tunnel-down'), policy))).toEqual(['opened h1~h3 tunnel-down']);
    expect(actions(await run(store, sweep(), policy))).toEqual(['resolved h1~h3 tunnel-down']);
  });

  it('never pages for packet loss alone (degraded), but reports the verdict change once', async () => {
    const { store } = freshStore();
    const first = await run(store, sweep('packet-loss'));
    expect(
      first.verdictChanges.map((c) => `${c.verdict.from}>${c.verdict.to} ${c.verdict.cause}`).sort(),
    ).toEqual(['h1>h3 packet-loss', 'h3>h1 packet-loss']);
    for (let i = 0; i < 4; i++) {
      const next = await run(store, sweep('packet-loss'));
      expect(next.transitions).toEqual([]);
      expect(next.verdictChanges).toEqual([]);
    }
    const healed = await run(store, sweep());
    expect(healed.verdictChanges.map((c) => `${c.previous?.cause}->${c.verdict.cause}`)).toEqual([
      'packet-loss->ok',
      'packet-loss->ok',
    ]);
  });

  it('ignores a report older than (or the same as) one already applied', async () => {
    const { store } = freshStore();
    const early = sweep('tunnel-down');
    const late = sweep('tunnel-down');
    await run(store, late);
    expect((await run(store, early)).transitions).toEqual([]);
    expect((await run(store, late)).transitions).toEqual([]);
    expect(actions(await run(store, sweep('tunnel-down')))).toEqual(['opened h1~h3 tunnel-down']);
  });

  it('late reports after a pristine row was deleted can neither open nor resolve (the sweep mark)', async () => {
    const { tableName, store } = freshStore();
    const base = ++minute;
    minute += 20;
    const at = (m: number, failing: boolean) =>
      buildReport({
        hosts: 3,
        startedAt: new Date(Date.UTC(2025, 0, 1, 12, base + m)).toISOString(),
        faults: failing ? bothWays('h1', 'h3', 'tunnel-down') : {},
      });
    // Minutes 3 (fail) and 4 (ok) first: h1~h3 is pristine again and its row is deleted.
    expect((await run(store, at(3, true))).transitions).toEqual([]);
    expect((await run(store, at(4, false))).transitions).toEqual([]);
    expect(await store.list()).toEqual([]);
    // The delayed reports of minutes 1 and 2 (both failing) must not open an alert.
    expect((await run(store, at(1, true))).transitions).toEqual([]);
    expect((await run(store, at(2, true))).transitions).toEqual([]);
    expect(await store.list()).toEqual([]);
    // Opened by two real consecutive failures; a late healthy pair of reports does not resolve it.
    expect((await run(store, at(5, true))).transitions).toEqual([]);
    expect(actions(await run(store, at(6, true)))).toEqual(['opened h1~h3 tunnel-down']);
    expect((await run(store, at(0, false))).transitions).toEqual([]);
    const stillOpen = await run(store, at(2, false));
    expect(stillOpen.transitions).toEqual([]);
    expect(stillOpen.open.map((o) => o.cause)).toEqual(['tunnel-down']);
    // The mark lives in the same table, read by a fresh client too.
    const again = TableAlertStore.create({ connectionString: azurite.connectionString, tableName });
    expect((await again.readSweepMark())?.sweepAt).toBe(at(6, true).startedAt);
  });

  it('two overlapping sweeps never open the same alert twice (ETag conflict forced)', async () => {
    for (let round = 0; round < 3; round++) {
      const { tableName, store } = freshStore();
      await run(store, sweep('udp-4500-blocked'));
      // Two independent clients, as two Function instances would have; both read before either writes.
      const conflicts = { count: 0 };
      const [a, b] = racingStores(tableName, conflicts);
      const [one, two] = await Promise.all([
        run(a, sweep('udp-4500-blocked')),
        run(b, sweep('udp-4500-blocked')),
      ]);
      expect([...actions(one), ...actions(two)]).toEqual(['opened h1~h3 udp-4500-blocked']);
      expect(conflicts.count).toBeGreaterThan(0);
      // Both sweeps agree on the one alert that is open.
      expect(one.open.map((o) => o.alertId)).toEqual(two.open.map((o) => o.alertId));
    }
  });

  it('resolves the alerts of a host removed from the config and forgets its pairs', async () => {
    const { store } = freshStore();
    await run(store, sweep('tunnel-down', [2, 3]));
    const opened = await run(store, sweep('tunnel-down', [2, 3]));
    expect(actions(opened)).toEqual(['opened h2~h3 tunnel-down']);

    const withoutH3 = buildReport({
      hosts: 2,
      startedAt: new Date(Date.UTC(2025, 0, 1, 12, ++minute)).toISOString(),
    });
    const removed = await run(store, withoutH3, {}, [hostName(1), hostName(2)]);
    expect(removed.transitions).toEqual([
      expect.objectContaining({
        action: 'resolved',
        reason: 'host-removed',
        alertId: opened.transitions[0]!.alertId,
      }),
    ]);
    expect(removed.open).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('keeps state across a new store client', async () => {
    const { tableName, store } = freshStore();
    await run(store, sweep('udp-4500-blocked'));
    const again = TableAlertStore.create({ connectionString: azurite.connectionString, tableName });
    expect(actions(await run(again, sweep('udp-4500-blocked')))).toEqual(['opened h1~h3 udp-4500-blocked']);
  });

  it('keeps state across an Azurite restart (on-disk persistence)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-azurite-'));
    let disk = await startAzuriteTable({ location: dir });
    try {
      const first = TableAlertStore.create({
        connectionString: disk.connectionString,
        tableName: 'alertsrestart',
      });
      await run(first, sweep('udp-4500-blocked'));
      await disk.stop();
      disk = await startAzuriteTable({ location: dir, port: disk.port });
      const second = TableAlertStore.create({
        connectionString: disk.connectionString,
        tableName: 'alertsrestart',
      });
      expect(actions(await run(second, sweep('udp-4500-blocked')))).toEqual([
        'opened h1~h3 udp-4500-blocked',
      ]);
    } finally {
      await disk.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Two stores on the same table whose first write waits until both have listed the table, so
 * both decide from the same snapshot: exactly the overlap ETags must resolve.
 */
function racingStores(tableName: string, conflicts: { count: number }): [AlertStore, AlertStore] {
  let listed = 0;
  let release!: () => void;
  const bothListed = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The first store's sweep is the older one: it claims the sweep mark first, or the newer one would
  // claim it, the older would stand down as late, and nothing would race (what a slow machine did).
  let firstClaimed!: () => void;
  const claimed = new Promise<void>((resolve) => {
    firstClaimed = resolve;
  });
  const make = (first: boolean): AlertStore => {
    const inner = TableAlertStore.create({ connectionString: azurite.connectionString, tableName });
    return {
      async list() {
        const rows = await inner.list();
        if (++listed === 2) release();
        return rows;
      },
      get: (key) => inner.get(key),
      async readSweepMark() {
        if (!first) await claimed;
        return inner.readSweepMark();
      },
      async writeSweepMark(sweepAt, etag) {
        await inner.writeSweepMark(sweepAt, etag);
        if (first) firstClaimed();
      },
      async put(state, etag) {
        await bothListed;
        try {
          await inner.put(state, etag);
        } catch (error) {
          conflicts.count++;
          throw error;
        }
      },
      async remove(key, etag) {
        await bothListed;
        await inner.remove(key, etag);
      },
    };
  };
  return [make(true), make(false)];
}
