import type { EnvironmentName } from '../domain/environment-name.js';
import { invertedTimeKey } from '../history/inverted-time-key.js';
import {
  isStorageStatus,
  type TableClient,
  type TableTarget,
  tableClient,
  tableCreator,
} from '../storage/table-storage.js';

/**
 * Which environment sweeps (environment + tick) have run. A Storage Queue delivers at least once:
 * a message may come twice, and a failed invocation comes back as a retry. A claim lets the first
 * delivery sweep, a duplicate of a finished or running sweep skip, and a retry of a failed (released)
 * or crashed (lease expired) one run again.
 */
export interface SweepClaims {
  /**
   * true: this invocation owns the work (`part`: "sweep", a shard, "finish", see claimPart) and must
   * complete or release it.
   */
  claim(environment: EnvironmentName, tick: string, now: Date, part?: string): Promise<boolean>;
  complete(environment: EnvironmentName, tick: string, part?: string): Promise<void>;
  /** After a failure: a retry of the message may run the work again. */
  release(environment: EnvironmentName, tick: string, part?: string): Promise<void>;
}

export const DEFAULT_CLAIM_TABLE = 'tunnelwatchclaims';

interface ClaimEntity {
  partitionKey: string;
  rowKey: string;
  status: 'running' | 'done';
  claimedAt: string;
}

export class TableSweepClaims implements SweepClaims {
  private readonly ensureTable: () => Promise<void>;

  /** `leaseMs`: how long a running claim holds off others; past it the claimant is taken for dead. */
  constructor(
    private readonly client: TableClient,
    private readonly leaseMs: number,
  ) {
    this.ensureTable = tableCreator(client);
  }

  static create(target: TableTarget, leaseMs: number, source = 'sweep claims'): TableSweepClaims {
    return new TableSweepClaims(tableClient(target, DEFAULT_CLAIM_TABLE, source), leaseMs);
  }

  async claim(environment: EnvironmentName, tick: string, now: Date, part = 'sweep'): Promise<boolean> {
    await this.ensureTable();
    const key = { partitionKey: environment as string, rowKey: rowKey(tick, part) };
    const entity: ClaimEntity = { ...key, status: 'running', claimedAt: now.toISOString() };
    try {
      await this.client.createEntity(entity);
      return true;
    } catch (error) {
      if (!isStorageStatus(error, 409)) throw error;
    }
    let existing: ClaimEntity & { etag: string };
    try {
      existing = await this.client.getEntity<ClaimEntity>(key.partitionKey, key.rowKey);
    } catch (error) {
      // Released between our create and our read: the next delivery runs it.
      if (isStorageStatus(error, 404)) return false;
      throw error;
    }
    const age = now.getTime() - Date.parse(existing.claimedAt);
    if (existing.status === 'done' || !(age > this.leaseMs)) return false;
    try {
      // Taken over from a claimant that died; the ETag makes only one taker win.
      await this.client.updateEntity(entity, 'Replace', { etag: existing.etag });
      return true;
    } catch (error) {
      if (isStorageStatus(error, 412)) return false;
      throw error;
    }
  }

  async complete(environment: EnvironmentName, tick: string, part = 'sweep'): Promise<void> {
    await this.client.updateEntity(
      { partitionKey: environment, rowKey: rowKey(tick, part), status: 'done' },
      'Merge',
    );
  }

  async release(environment: EnvironmentName, tick: string, part = 'sweep'): Promise<void> {
    try {
      await this.client.deleteEntity(environment, rowKey(tick, part));
    } catch (error) {
      if (!isStorageStatus(error, 404)) throw error;
    }
  }
}

// Newest tick first; "~" sorts after the digits, so a tick's parts sit together.
function rowKey(tick: string, part: string): string {
  return `${invertedTimeKey(new Date(tick))}~${part}`;
}
