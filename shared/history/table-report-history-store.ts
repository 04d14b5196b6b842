import type { SweepReport } from '../domain/sweep-report.js';
import {
  odata,
  type TableClient,
  type TableTarget,
  tableClient,
  tableCreator,
} from '../storage/table-storage.js';
import { invertedTimeKey } from './inverted-time-key.js';
import { newestRows } from './newest-rows.js';
import { type RecentQuery, type ReportHistoryStore, recentLimit } from './report-history-store.js';
import { decodeReportRow, encodeReportRow } from './report-row-codec.js';

export const DEFAULT_REPORT_TABLE = 'tunnelwatchreports';
export const DEFAULT_REPORT_PARTITION = 'sweeps';
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** Rows deleted per save at most, so one save stays short; the rest go on the next saves. */
const PRUNE_BATCH = 100;

export interface TableReportHistoryOptions {
  /** Rows of different monitors sharing a table are kept apart by partition. Default "sweeps". */
  partition?: string;
  /** Reports older than this are deleted when a newer one is saved. Default 24 h. */
  retentionMs?: number;
  now?: () => Date;
}

/** One row per sweep, newest first by row key, pruned to a bounded history. */
export class TableReportHistoryStore implements ReportHistoryStore {
  private readonly partition: string;
  private readonly retentionMs: number;
  private readonly now: () => Date;
  private readonly ensureTable: () => Promise<void>;

  constructor(
    private readonly client: TableClient,
    options: TableReportHistoryOptions = {},
  ) {
    this.partition = options.partition ?? DEFAULT_REPORT_PARTITION;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.now = options.now ?? (() => new Date());
    this.ensureTable = tableCreator(client);
  }

  /** `source` names the flag or setting the target came from, in errors. */
  static fromTarget(
    target: TableTarget,
    options?: TableReportHistoryOptions,
    source = 'report history',
  ): TableReportHistoryStore {
    return new TableReportHistoryStore(tableClient(target, DEFAULT_REPORT_TABLE, source), options);
  }

  async save(report: SweepReport): Promise<void> {
    const startedAt = new Date(report.startedAt);
    const rowKey = invertedTimeKey(startedAt);
    await this.ensureTable();
    await this.client.upsertEntity(
      { partitionKey: this.partition, rowKey, ...encodeReportRow(report) },
      'Replace',
    );
    await this.prune();
  }

  async latest(): Promise<SweepReport | null> {
    const [newest] = await this.recent({ limit: 1 });
    return newest ?? null;
  }

  async recent(query: RecentQuery = {}): Promise<SweepReport[]> {
    const limit = recentLimit(query);
    const rows = await newestRows(this.client, this.partition, limit, query.since);
    return rows.map((row) => decodeReportRow(row));
  }

  private async prune(): Promise<void> {
    const cutoff = new Date(this.now().getTime() - this.retentionMs);
    const filter = `${odata`PartitionKey eq ${this.partition}`} and ${odata`RowKey gt ${invertedTimeKey(cutoff)}`}`;
    const old = this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] } });
    let deleted = 0;
    for await (const row of old) {
      await this.client.deleteEntity(this.partition, row.rowKey!);
      if (++deleted >= PRUNE_BATCH) break;
    }
  }
}
