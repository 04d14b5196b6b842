import type { SweepReport } from '../domain/sweep-report.js';
import {
  type BlobAccount,
  type BlobDownloadResponseParsed,
  type ContainerClient,
  containerClient,
  containerCreator,
  isBlobStatus,
} from '../storage/blob-storage.js';
import {
  odata,
  type TableClient,
  type TableTarget,
  tableClient,
  tableCreator,
} from '../storage/table-storage.js';
import { invertedTimeKey } from './inverted-time-key.js';
import { newestRows } from './newest-rows.js';
import {
  DEFAULT_REPORT_BLOB_LIMITS,
  decodeReportBlob,
  encodeReportBlob,
  type ReportBlobLimits,
  type ReportSummary,
  UnreadableReportError,
} from './report-blob-codec.js';
import { type RecentQuery, type ReportHistoryStore, recentLimit } from './report-history-store.js';
import { DEFAULT_RETENTION_MS } from './table-report-history-store.js';

export const DEFAULT_REPORT_CONTAINER = 'reports';
export const DEFAULT_REPORT_INDEX_TABLE = 'tunnelwatchreportindex';
export const DEFAULT_SCOPE = 'default';
/** Index rows, and blobs, deleted per save at most, so one save stays short; the rest go on the next saves. */
const PRUNE_BATCH = 100;
/**
 * A scope is a partition key and the first segment of blob names: letters, digits, "-" and "_",
 * nothing that needs escaping in either, and no "/" (one scope can never list another's blobs).
 */
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export interface BlobReportHistoryOptions extends Partial<ReportBlobLimits> {
  /** The environment the reports belong to: the index partition and the blob name prefix. Default "default". */
  scope?: string;
  /** Reports (index rows and blobs) older than this are deleted when a report is saved. Default 24 h. */
  retentionMs?: number;
  now?: () => Date;
}

/** The index row of one sweep: its blob and what a listing shows without reading it. */
interface IndexRow extends ReportSummary {
  blobName: string;
  encoding: 'gzip-json';
}

/**
 * One gzipped JSON blob per sweep, with one small Table Storage row per sweep as its index (newest
 * first by row key). Reports of any mesh the blob limit allows, unlike the one-row table store.
 */
export class BlobReportHistoryStore implements ReportHistoryStore {
  readonly scope: string;
  private readonly retentionMs: number;
  private readonly limits: ReportBlobLimits;
  private readonly now: () => Date;
  private readonly ensureTable: () => Promise<void>;
  private readonly ensureContainer: () => Promise<void>;

  constructor(
    private readonly index: TableClient,
    private readonly container: ContainerClient,
    options: BlobReportHistoryOptions = {},
  ) {
    this.scope = options.scope ?? DEFAULT_SCOPE;
    if (!SCOPE.test(this.scope)) {
      throw new Error(
        `report history scope "${this.scope}" must be 1-63 letters, digits, "-" or "_", starting with a letter or digit`,
      );
    }
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.limits = {
      maxBlobBytes: options.maxBlobBytes ?? DEFAULT_REPORT_BLOB_LIMITS.maxBlobBytes,
      maxJsonBytes: options.maxJsonBytes ?? DEFAULT_REPORT_BLOB_LIMITS.maxJsonBytes,
    };
    this.now = options.now ?? (() => new Date());
    this.ensureTable = tableCreator(index);
    this.ensureContainer = containerCreator(container);
  }

  /** `source` names the setting or flag the targets came from, in errors. */
  static fromTargets(
    index: TableTarget,
    blobs: BlobAccount,
    options?: BlobReportHistoryOptions,
    source = 'report history',
  ): BlobReportHistoryStore {
    return new BlobReportHistoryStore(
      tableClient(index, DEFAULT_REPORT_INDEX_TABLE, source),
      containerClient(blobs, DEFAULT_REPORT_CONTAINER, source),
      options,
    );
  }

  async save(report: SweepReport): Promise<void> {
    const startedAt = new Date(report.startedAt);
    const rowKey = invertedTimeKey(startedAt);
    const { body, summary } = await encodeReportBlob(report, this.limits);
    const blobName = this.blobName(startedAt);
    await Promise.all([this.ensureContainer(), this.ensureTable()]);
    // Blob first: an index row never points at a blob not yet written. A blob whose row failed is
    // invisible to readers and goes with the age-based prune below.
    await this.container.getBlockBlobClient(blobName).uploadData(body, {
      blobHTTPHeaders: { blobContentType: 'application/gzip' },
    });
    const row: IndexRow = { ...summary, blobName, encoding: 'gzip-json' };
    await this.index.upsertEntity({ partitionKey: this.scope, rowKey, ...row }, 'Replace');
    await this.prune();
  }

  async latest(): Promise<SweepReport | null> {
    const [newest] = await this.recent({ limit: 1 });
    return newest ?? null;
  }

  /** Reads the blobs one at a time, so at most one report's JSON is inflated at once. */
  async recent(query: RecentQuery = {}): Promise<SweepReport[]> {
    const limit = recentLimit(query);
    const rows = await newestRows(this.index, this.scope, limit, query.since);
    const reports: SweepReport[] = [];
    for (const row of rows) reports.push(await this.read(row));
    return reports;
  }

  private async read(row: Record<string, unknown>): Promise<SweepReport> {
    const startedAt = String(row.startedAt);
    const blobName = row.blobName;
    // The row's blob name is data from storage: only a name of this scope is followed.
    if (
      typeof blobName !== 'string' ||
      !blobName.startsWith(`${this.scope}/`) ||
      row.encoding !== 'gzip-json'
    ) {
      throw new UnreadableReportError('missing', startedAt, 'has an index row without a blob of this scope');
    }
    let download: BlobDownloadResponseParsed;
    try {
      download = await this.container.getBlobClient(blobName).download();
    } catch (error) {
      if (isBlobStatus(error, 404)) {
        throw new UnreadableReportError('missing', startedAt, `has no blob (${blobName} is gone)`);
      }
      throw error;
    }
    if (!download.readableStreamBody) {
      throw new UnreadableReportError('missing', startedAt, `has an empty download of ${blobName}`);
    }
    return decodeReportBlob(
      {
        startedAt,
        body: download.readableStreamBody,
        ...(download.contentLength !== undefined ? { contentLength: download.contentLength } : {}),
        ...(typeof row.jsonBytes === 'number' ? { jsonBytes: row.jsonBytes } : {}),
      },
      this.limits,
    );
  }

  /**
   * Deletes what is older than the retention, at most PRUNE_BATCH of each per save: index rows (and
   * their blobs), then blobs without a row (a save whose row write failed). Blob names sort oldest
   * first, so the blob listing stops at the first one still kept.
   */
  private async prune(): Promise<void> {
    const cutoff = new Date(this.now().getTime() - this.retentionMs);
    const filter = `${odata`PartitionKey eq ${this.scope}`} and ${odata`RowKey gt ${invertedTimeKey(cutoff)}`}`;
    let deleted = 0;
    for await (const row of this.index.listEntities<{ blobName?: unknown }>({
      queryOptions: { filter, select: ['RowKey', 'blobName'] },
    })) {
      if (typeof row.blobName === 'string' && row.blobName.startsWith(`${this.scope}/`)) {
        await this.deleteBlob(row.blobName);
      }
      await this.index.deleteEntity(this.scope, row.rowKey!);
      if (++deleted >= PRUNE_BATCH) return;
    }
    const oldestKept = this.blobName(cutoff);
    // Small pages: usually the first name is already kept and one short listing is all it costs.
    const pages = this.container
      .listBlobsFlat({ prefix: `${this.scope}/` })
      .byPage({ maxPageSize: PRUNE_BATCH });
    deleted = 0;
    for await (const page of pages) {
      for (const blob of page.segment.blobItems) {
        if (blob.name >= oldestKept) return;
        await this.deleteBlob(blob.name);
        if (++deleted >= PRUNE_BATCH) return;
      }
    }
  }

  /** Already gone is as good as deleted (another instance's prune, the lifecycle rule). */
  private async deleteBlob(name: string): Promise<void> {
    try {
      await this.container.deleteBlob(name, { deleteSnapshots: 'include' });
    } catch (error) {
      if (!isBlobStatus(error, 404)) throw error;
    }
  }

  /** "<scope>/<UTC time, compact ISO>.json.gz": names sort by time, oldest first. */
  private blobName(startedAt: Date): string {
    return `${this.scope}/${startedAt.toISOString().replace(/[-:]/g, '')}.json.gz`;
  }
}
