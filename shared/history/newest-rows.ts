import {
  isStorageStatus,
  odata,
  type TableClient,
  type TableEntityResult,
} from '../storage/table-storage.js';
import { invertedTimeKey } from './inverted-time-key.js';

/**
 * The newest `limit` rows of a partition keyed by invertedTimeKey (at or after `since` when given),
 * newest first; none when the table does not exist yet. Report rows and report index rows alike.
 */
export async function newestRows(
  client: TableClient,
  partition: string,
  limit: number,
  since: Date | undefined,
): Promise<TableEntityResult<Record<string, unknown>>[]> {
  let filter = odata`PartitionKey eq ${partition}`;
  // Newer sweeps have smaller keys: "since" is an upper bound on the key.
  if (since) filter += ` and ${odata`RowKey le ${invertedTimeKey(since)}`}`;
  const rows: TableEntityResult<Record<string, unknown>>[] = [];
  try {
    const pages = client
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: Math.min(limit, 1000) });
    for await (const page of pages) {
      for (const row of page as TableEntityResult<Record<string, unknown>>[]) {
        rows.push(row);
        if (rows.length >= limit) return rows;
      }
    }
  } catch (error) {
    if (isStorageStatus(error, 404)) return [];
    throw error;
  }
  return rows;
}
