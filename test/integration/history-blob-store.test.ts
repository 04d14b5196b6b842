// The report history with bodies in Blob Storage and an index in Table Storage, against real Azurite
// (blob and table): round trip, a report too large for one table row, scopes, expiry, and stored
// blobs that are damaged or hostile.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlobReportHistoryOptions,
  BlobReportHistoryStore,
} from '../../shared/history/blob-report-history-store.js';
import { ReportBlobTooLargeError, UnreadableReportError } from '../../shared/history/report-blob-codec.js';
import { CHUNK_BYTES, MAX_CHUNKS } from '../../shared/history/report-row-codec.js';
import { type TableClient, tableClient } from '../../shared/storage/table-storage.js';
import { type Azurite, startAzuriteBlob, startAzuriteTable } from '../support/azurite.js';
import { labFaultReport, largeMeshReport } from '../support/sweep-report-builder.js';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const iso = (minutes: number) => at(minutes).toISOString();

let tableAzurite: Azurite;
let blobAzurite: Azurite;

// Node 20 has no Array.fromAsync.
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

let counter = 0;
/** A fresh index table and container per test, so tests never see each other's reports. */
function freshTargets() {
  const n = ++counter;
  const index = tableClient(
    { connectionString: tableAzurite.connectionString, tableName: `reportindex${n}` },
    'unused',
    'test',
  );
  const container = BlobServiceClient.fromConnectionString(blobAzurite.connectionString).getContainerClient(
    `reports-${n}`,
  );
  return { index, container };
}

function storeOn(
  targets: { index: TableClient; container: ContainerClient },
  options: BlobReportHistoryOptions = {},
) {
  return new BlobReportHistoryStore(targets.index, targets.container, { now: () => at(0), ...options });
}

function freshStore(options: BlobReportHistoryOptions = {}) {
  const targets = freshTargets();
  return { ...targets, store: storeOn(targets, options) };
}

const blobNames = async (container: ContainerClient) =>
  (await collect(container.listBlobsFlat())).map((b) => b.name).sort();
const indexRows = (index: TableClient) =>
  collect(index.listEntities<Record<string, unknown>>()).catch((error: { statusCode?: number }) => {
    if (error.statusCode === 404) return [];
    throw error;
  });

beforeAll(async () => {
  // One after the other, so a failed start leaves nothing that afterAll cannot stop.
  tableAzurite = await startAzuriteTable();
  blobAzurite = await startAzuriteBlob();
}, 60_000);
afterAll(async () => {
  await Promise.all([tableAzurite?.stop(), blobAzurite?.stop()]);
});

describe('BlobReportHistoryStore on Azurite (blob + table)', () => {
  it('returns nothing before the first save, even before its table and container exist', async () => {
    const { store } = freshStore();
    expect(await store.latest()).toBeNull();
    expect(await store.recent()).toEqual([]);
  });

  it('saves each sweep as one blob with a small index row, and reads them back newest first, by limit or since', async () => {
    const { index, container, store } = freshStore();
    // Saved out of order: the row key, not the insertion order, decides.
    for (const minutes of [-3, -1, -2, 0]) await store.save(labFaultReport(at(minutes)));

    expect(await store.latest()).toEqual(labFaultReport(at(0)));
    expect((await store.recent()).map((r) => r.startedAt)).toEqual([0, -1, -2, -3].map(iso));
    expect((await store.recent({ limit: 2 })).map((r) => r.startedAt)).toEqual([0, -1].map(iso));
    expect((await store.recent({ since: at(-2) })).map((r) => r.startedAt)).toEqual([0, -1, -2].map(iso));

    expect(await blobNames(container)).toEqual([
      'default/20260302T095700.000Z.json.gz',
      'default/20260302T095800.000Z.json.gz',
      'default/20260302T095900.000Z.json.gz',
      'default/20260302T100000.000Z.json.gz',
    ]);
    const rows = await indexRows(index);
    expect(rows).toHaveLength(4);
    const report = labFaultReport(at(0));
    const newest = rows.find((r) => r.startedAt === iso(0))!;
    expect(newest).toMatchObject({
      partitionKey: 'default',
      blobName: 'default/20260302T100000.000Z.json.gz',
      status: report.status,
      hostCount: report.hosts.length,
      pathCount: report.paths.length,
      verdictCount: report.verdicts.length,
      pairsNotOk: report.verdicts.filter((v) => v.cause !== 'ok').length,
      jsonBytes: Buffer.byteLength(JSON.stringify(report)),
    });
    // The index row is small: no report body in it.
    expect(JSON.stringify(newest).length).toBeLessThan(1024);
  });

  it('replaces a report saved twice for the same sweep instead of keeping two', async () => {
    const { index, container, store } = freshStore();
    const first = labFaultReport(at(0));
    await store.save(first);
    await store.save({ ...first, durationMs: 999 });
    expect(await blobNames(container)).toHaveLength(1);
    expect(await indexRows(index)).toHaveLength(1);
    expect((await store.latest())?.durationMs).toBe(999);
  });

  it('stores and reads back a 200-host report, far beyond what one table row holds', async () => {
    const { index, store } = freshStore();
    const report = largeMeshReport(at(0), 200);
    await store.save(report);
    const [row] = await indexRows(index);
    expect(row).toMatchObject({ hostCount: 200, pathCount: report.paths.length, verdictCount: 200 * 199 });
    expect(row!.gzipBytes as number).toBeGreaterThan(MAX_CHUNKS * CHUNK_BYTES);

    const back = await store.latest();
    expect(back?.hosts).toHaveLength(200);
    expect(back).toEqual(report);
  }, 180_000);

  it('keeps scopes apart: same table and container, neither sees nor prunes the other', async () => {
    const targets = freshTargets();
    const prod = storeOn(targets, { scope: 'prod' });
    const staging = storeOn(targets, { scope: 'staging' });
    await prod.save(labFaultReport(at(-1)));
    await staging.save(labFaultReport(at(0)));

    expect((await prod.recent()).map((r) => r.startedAt)).toEqual([iso(-1)]);
    expect((await staging.latest())?.startedAt).toBe(iso(0));
    expect(await storeOn(targets).latest()).toBeNull();
    expect(await blobNames(targets.container)).toEqual([
      'prod/20260302T095900.000Z.json.gz',
      'staging/20260302T100000.000Z.json.gz',
    ]);

    // A prod save two days later prunes prod's old report only.
    await storeOn(targets, { scope: 'prod', now: () => at(2 * 24 * 60) }).save(
      labFaultReport(at(2 * 24 * 60)),
    );
    expect((await prod.recent()).map((r) => r.startedAt)).toEqual([iso(2 * 24 * 60)]);
    expect((await staging.recent()).map((r) => r.startedAt)).toEqual([iso(0)]);
  });

  it('refuses a scope that could escape its prefix or its partition', () => {
    const targets = freshTargets();
    for (const scope of ['', 'a/b', '../x', 'x y', 'é']) {
      expect(() => storeOn(targets, { scope }), scope).toThrow(
        /report history scope .* must be 1-63 letters/,
      );
    }
  });

  it('deletes expired reports on save, the index row and the blob, and blobs a failed save left without a row', async () => {
    let now = at(0);
    const { index, container, store } = freshStore({ retentionMs: 10 * 60_000, now: () => now });
    for (const minutes of [-30, -20, -11, -5]) await store.save(labFaultReport(at(minutes)));
    expect((await store.recent()).map((r) => r.startedAt)).toEqual([iso(-5)]);
    expect(await blobNames(container)).toEqual(['default/20260302T095500.000Z.json.gz']);
    expect(await indexRows(index)).toHaveLength(1);

    // A blob whose index row was never written (the save failed between the two writes).
    await container.getBlockBlobClient('default/20260302T094000.000Z.json.gz').uploadData(Buffer.from('x'));
    now = at(4);
    await store.save(labFaultReport(at(3)));
    expect(await blobNames(container)).toEqual([
      'default/20260302T095500.000Z.json.gz',
      'default/20260302T100300.000Z.json.gz',
    ]);
    expect((await store.recent()).map((r) => r.startedAt)).toEqual([3, -5].map(iso));
  });

  it('refuses to save a report larger than the blob limit, saying so, and writes nothing', async () => {
    const { index, container, store } = freshStore({ maxBlobBytes: 4096 });
    const report = labFaultReport(at(0));
    report.hosts[0]!.error = randomBytes(8000).toString('hex');
    await expect(store.save(report)).rejects.toBeInstanceOf(ReportBlobTooLargeError);
    await expect(store.save(report)).rejects.toThrow(
      /gzips to more bytes than the report blob limit \(4096\)/,
    );
    expect(await indexRows(index)).toEqual([]);
    expect(await collect(container.listBlobsFlat()).catch(() => [])).toEqual([]);
  });
});

describe('a damaged or hostile stored blob reads as an error for that report, not a crash', () => {
  const NAME = 'default/20260302T100000.000Z.json.gz';

  async function withBlob(
    body: Buffer | null,
    options: BlobReportHistoryOptions = {},
  ): Promise<{ error: unknown; store: BlobReportHistoryStore; index: TableClient }> {
    const targets = freshTargets();
    const writer = storeOn(targets);
    await writer.save(labFaultReport(at(0)));
    const blob = targets.container.getBlockBlobClient(NAME);
    if (body) await blob.uploadData(body);
    else await blob.delete();
    const store = storeOn(targets, options);
    const error = await store.latest().then(
      () => null,
      (e: unknown) => e,
    );
    return { error, store, index: targets.index };
  }

  const expectUnreadable = (error: unknown, reason: string, message: RegExp) => {
    expect(error).toBeInstanceOf(UnreadableReportError);
    expect((error as UnreadableReportError).reason).toBe(reason);
    expect((error as UnreadableReportError).startedAt).toBe(iso(0));
    expect((error as Error).message).toMatch(
      /^the stored report of the sweep started 2026-03-02T10:00:00.000Z /,
    );
    expect((error as Error).message).toMatch(message);
  };

  it('a blob that is not gzip', async () => {
    const { error } = await withBlob(randomBytes(2000));
    expectUnreadable(error, 'not-gzip', /is not valid gzip \(Z_DATA_ERROR\)/);
  });

  it('a gzip bomb stops at the size the index recorded, long before its 64 MiB', async () => {
    const { error } = await withBlob(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    expectUnreadable(error, 'inflates-too-far', /inflates past \d+ bytes; refused/);
  });

  it('a gzip bomb behind a tampered index row stops at the configured JSON limit', async () => {
    const targets = freshTargets();
    await storeOn(targets).save(labFaultReport(at(0)));
    await targets.container.getBlockBlobClient(NAME).uploadData(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    const [row] = await indexRows(targets.index);
    await targets.index.updateEntity(
      { partitionKey: row!.partitionKey as string, rowKey: row!.rowKey as string, jsonBytes: 1e12 },
      'Merge',
    );
    const error = await storeOn(targets, { maxJsonBytes: 1024 * 1024 })
      .latest()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expectUnreadable(error, 'inflates-too-far', /inflates past 1048576 bytes; refused/);
  });

  it('a blob larger than the configured cap is refused before it is read', async () => {
    const { error } = await withBlob(randomBytes(100_000), { maxBlobBytes: 50_000 });
    expectUnreadable(error, 'too-large', /is larger than the report blob limit \(50000 bytes\); refused/);
  });

  it('valid gzip of something that is not JSON, or not a report', async () => {
    expectUnreadable((await withBlob(gzipSync('not json {'))).error, 'not-json', /does not hold JSON/);
    expectUnreadable(
      (await withBlob(gzipSync(JSON.stringify({ ...labFaultReport(at(0)), hosts: 'x' })))).error,
      'off-contract',
      /is refused: it does not match the report contract at hosts/,
    );
  });

  it('a blob deleted under its index row; the store keeps working for the next sweep', async () => {
    const { error, store } = await withBlob(null);
    expectUnreadable(error, 'missing', /has no blob \(default\/20260302T100000.000Z.json.gz is gone\)/);
    await store.save(labFaultReport(at(1)));
    expect((await store.latest())?.startedAt).toBe(iso(1));
  });

  it('an index row pointing at another scope is not followed', async () => {
    const targets = freshTargets();
    await storeOn(targets, { scope: 'other' }).save(labFaultReport(at(-1)));
    await storeOn(targets).save(labFaultReport(at(0)));
    const row = (await indexRows(targets.index)).find((r) => r.partitionKey === 'default')!;
    await targets.index.updateEntity(
      {
        partitionKey: 'default',
        rowKey: row.rowKey as string,
        blobName: 'other/20260302T095900.000Z.json.gz',
      },
      'Merge',
    );
    const error = await storeOn(targets)
      .latest()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expectUnreadable(error, 'missing', /has an index row without a blob of this scope/);
  });
});
