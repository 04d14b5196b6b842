import { randomBytes } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReportRow, MAX_CHUNKS, ReportTooLargeError } from '../../shared/history/report-row-codec.js';
import {
  DEFAULT_REPORT_TABLE,
  TableReportHistoryStore,
} from '../../shared/history/table-report-history-store.js';
import { type TableTarget, tableClient } from '../../shared/storage/table-storage.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { labFaultReport, largeMeshReport } from '../support/sweep-report-builder.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

let azurite: Azurite;

// Node 20 has no Array.fromAsync.
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
let tableCounter = 0;
const reportTableClient = (target: TableTarget) =>
  tableClient(target, DEFAULT_REPORT_TABLE, 'report history');

function freshStore(options: ConstructorParameters<typeof TableReportHistoryStore>[1] = {}) {
  const tableName = `reports${++tableCounter}`;
  const client = reportTableClient({ connectionString: azurite.connectionString, tableName });
  return { client, store: new TableReportHistoryStore(client, { now: () => at(0), ...options }) };
}

beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});

describe('TableReportHistoryStore on Azurite', () => {
  it('returns nothing before the first save, even before its table exists', async () => {
    const { store } = freshStore();
    expect(await store.latest()).toBeNull();
    expect(await store.recent()).toEqual([]);
  });

  it('returns the newest report as latest and history newest first, by limit or since', async () => {
    const { store } = freshStore();
    // Saved out of order: the row key, not the insertion order, decides.
    for (const minutes of [-3, -1, -2, 0]) await store.save(labFaultReport(at(minutes)));

    expect((await store.latest())?.startedAt).toBe(at(0).toISOString());
    expect((await store.recent()).map((r) => r.startedAt)).toEqual(
      [0, -1, -2, -3].map((m) => at(m).toISOString()),
    );
    expect((await store.recent({ limit: 2 })).map((r) => r.startedAt)).toEqual(
      [at(0), at(-1)].map((d) => d.toISOString()),
    );
    expect((await store.recent({ since: at(-2) })).map((r) => r.startedAt)).toEqual(
      [at(0), at(-1), at(-2)].map((d) => d.toISOString()),
    );
  });

  it('round-trips a 50-host report that needs several 64 KiB chunks, unchanged', async () => {
    const { client, store } = freshStore();
    const report = largeMeshReport(at(0));
    await store.save(report);

    expect(await store.latest()).toEqual(report);
    const [row] = await collect(client.listEntities<Record<string, unknown>>());
    expect(row!.chunks).toBeGreaterThan(1);
    expect(row!.hostCount).toBe(50);
    expect(row!.pathCount).toBe(report.paths.length);
    for (let i = 0; i < Number(row!.chunks); i++)
      expect((row![`c${i}`] as Uint8Array).length).toBeLessThanOrEqual(65536);
  });

  it('replaces a report saved twice for the same sweep instead of keeping two', async () => {
    const { client, store } = freshStore();
    const first = labFaultReport(at(0));
    await store.save(first);
    await store.save({ ...first, durationMs: 999 });
    expect(await collect(client.listEntities())).toHaveLength(1);
    expect((await store.latest())?.durationMs).toBe(999);
  });

  it('keeps a bounded history: reports older than the retention are pruned on save', async () => {
    let now = at(0);
    const { client, store } = freshStore({ retentionMs: 10 * 60_000, now: () => now });
    for (const minutes of [-30, -20, -11, -5]) await store.save(labFaultReport(at(minutes)));
    // Each save pruned what was older than 10 minutes before "now" (at(0)).
    expect((await store.recent()).map((r) => r.startedAt)).toEqual([at(-5).toISOString()]);

    now = at(4);
    await store.save(labFaultReport(at(3)));
    expect((await store.recent()).map((r) => r.startedAt)).toEqual(
      [at(3), at(-5)].map((d) => d.toISOString()),
    );
    expect(await collect(client.listEntities())).toHaveLength(2);
  });

  it('stores a report of the largest size one row takes, and refuses a larger one saying so', async () => {
    const { store } = freshStore();
    // Random hex barely compresses: its size decides the gzipped size.
    const withNoise = (bytes: number) => {
      const report = labFaultReport(at(0));
      report.hosts[0]!.error = randomBytes(bytes).toString('hex');
      return report;
    };
    const largest = withNoise(620_000);
    expect(encodeReportRow(largest).chunks).toBe(MAX_CHUNKS);
    await store.save(largest);
    expect((await store.latest())?.hosts[0]?.error).toBe(largest.hosts[0]!.error);

    const tooLarge = withNoise(700_000);
    await expect(store.save(tooLarge)).rejects.toBeInstanceOf(ReportTooLargeError);
    await expect(store.save(tooLarge)).rejects.toThrow(/more than one Table Storage row holds/);
  });

  it('survives a new store instance (a restarted Function) reading the same table', async () => {
    const { client, store } = freshStore();
    await store.save(labFaultReport(at(0)));
    const again = new TableReportHistoryStore(
      TableClient.fromConnectionString(azurite.connectionString, client.tableName, {
        allowInsecureConnection: true,
      }),
    );
    expect((await again.latest())?.startedAt).toBe(at(0).toISOString());
  });
});

describe('reportTableClient', () => {
  const credential: TokenCredential = {
    getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }),
  };

  it('takes an https endpoint with a credential (managed identity in Azure)', () => {
    const client = reportTableClient({ endpoint: 'https://acct.table.core.windows.net', credential });
    expect(client.url).toBe('https://acct.table.core.windows.net');
    expect(client.tableName).toBe('tunnelwatchreports');
  });

  it('refuses a plain-http endpoint for a token, naming the fix', () => {
    expect(() => reportTableClient({ endpoint: 'http://acct.table.core.windows.net', credential })).toThrow(
      /must start with https:\/\//,
    );
  });
});
