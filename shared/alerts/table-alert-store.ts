import type { Cause } from '../domain/cause.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import type { HostName } from '../domain/host-name.js';
import { environmentPartition } from '../storage/environment-partition.js';
import {
  isStorageStatus,
  type TableClient,
  type TableEntityResult,
  type TableTarget,
  tableClient,
  tableCreator,
} from '../storage/table-storage.js';
import type { PairAlertState } from './alert-state.js';
import {
  type AlertStore,
  AlertStoreConflict,
  type StoredAlertState,
  type StoredSweepMark,
} from './alert-store.js';
import { pairKey } from './pair-key.js';

export const DEFAULT_ALERT_TABLE = 'tunnelwatchalerts';
const PAIR_PARTITION = 'pair';
// The sweep mark: one row beside the pair rows, outside their partition so list() never sees it.
const MARK_PARTITION = 'sweep';
const MARK_ROW = 'newest';

interface SweepMarkEntity {
  partitionKey: string;
  rowKey: string;
  sweepAt: string;
}

interface AlertEntity {
  partitionKey: string;
  rowKey: string;
  a: string;
  b: string;
  status: string;
  failStreak: number;
  okStreak: number;
  alertId: string;
  openedAt: string;
  cause: string;
  advice: string;
  evidence: string;
  lastSweepAt: string;
  lastVerdicts: string;
}

function toEntity(state: PairAlertState, partitionKey: string): AlertEntity {
  // Table Storage has no null: empty strings stand for "none".
  return {
    partitionKey,
    rowKey: pairKey(state.pair),
    a: state.pair.a,
    b: state.pair.b,
    status: state.status,
    failStreak: state.failStreak,
    okStreak: state.okStreak,
    alertId: state.alertId ?? '',
    openedAt: state.openedAt ?? '',
    cause: state.cause ?? '',
    advice: state.advice ?? '',
    evidence: JSON.stringify(state.evidence),
    lastSweepAt: state.lastSweepAt ?? '',
    lastVerdicts: JSON.stringify(state.lastVerdicts),
  };
}

function fromEntity(entity: TableEntityResult<AlertEntity>): StoredAlertState {
  const orNull = (text: string | undefined) => (text ? text : null);
  return {
    etag: entity.etag,
    state: {
      pair: { a: entity.a as HostName, b: entity.b as HostName },
      status: entity.status === 'open' ? 'open' : 'ok',
      failStreak: Number(entity.failStreak) || 0,
      okStreak: Number(entity.okStreak) || 0,
      alertId: orNull(entity.alertId),
      openedAt: orNull(entity.openedAt),
      cause: orNull(entity.cause) as Cause | null,
      advice: orNull(entity.advice),
      evidence: parseJson(entity.evidence, [] as string[]),
      lastSweepAt: orNull(entity.lastSweepAt),
      lastVerdicts: parseJson(entity.lastVerdicts, {} as Record<string, string>),
    },
  };
}

function parseJson<T>(text: string | undefined, fallback: T): T {
  try {
    return text ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

/** Alert state in Azure Table Storage, one row per host pair, ETags for optimistic concurrency. */
export class TableAlertStore implements AlertStore {
  private readonly ensureTable: () => Promise<void>;

  private readonly pairs: string;
  private readonly mark: string;

  private constructor(
    private readonly client: TableClient,
    environment: EnvironmentName,
  ) {
    this.ensureTable = tableCreator(client);
    // Each environment's pairs and sweep mark in partitions of their own: the same host names in
    // two environments are two different pairs.
    this.pairs = environmentPartition(PAIR_PARTITION, environment);
    this.mark = environmentPartition(MARK_PARTITION, environment);
  }

  /** `source` names the flag or setting the target came from, in errors. */
  static create(
    target: TableTarget,
    source = 'alert state',
    environment: EnvironmentName = DEFAULT_ENVIRONMENT,
  ): TableAlertStore {
    return new TableAlertStore(tableClient(target, DEFAULT_ALERT_TABLE, source), environment);
  }

  async list(): Promise<StoredAlertState[]> {
    await this.ensureTable();
    const rows: StoredAlertState[] = [];
    const entities = this.client.listEntities<AlertEntity>({
      queryOptions: { filter: `PartitionKey eq '${this.pairs}'` },
    });
    for await (const entity of entities) rows.push(fromEntity(entity));
    return rows;
  }

  async get(key: string): Promise<StoredAlertState | null> {
    await this.ensureTable();
    try {
      return fromEntity(await this.client.getEntity<AlertEntity>(this.pairs, key));
    } catch (error) {
      if (isStorageStatus(error, 404)) return null;
      throw error;
    }
  }

  async put(state: PairAlertState, etag: string | null): Promise<void> {
    await this.ensureTable();
    try {
      if (etag === null) await this.client.createEntity(toEntity(state, this.pairs));
      else await this.client.updateEntity(toEntity(state, this.pairs), 'Replace', { etag });
    } catch (error) {
      // 409: created meanwhile; 412: changed meanwhile; 404: deleted meanwhile.
      if (isStorageStatus(error, 409, 412, 404))
        throw new AlertStoreConflict(`alert state of ${pairKey(state.pair)} changed concurrently`);
      throw error;
    }
  }

  async readSweepMark(): Promise<StoredSweepMark | null> {
    await this.ensureTable();
    try {
      const entity = await this.client.getEntity<SweepMarkEntity>(this.mark, MARK_ROW);
      return { sweepAt: String(entity.sweepAt ?? ''), etag: entity.etag };
    } catch (error) {
      if (isStorageStatus(error, 404)) return null;
      throw error;
    }
  }

  async writeSweepMark(sweepAt: string, etag: string | null): Promise<void> {
    await this.ensureTable();
    const entity: SweepMarkEntity = { partitionKey: this.mark, rowKey: MARK_ROW, sweepAt };
    try {
      if (etag === null) await this.client.createEntity(entity);
      else await this.client.updateEntity(entity, 'Replace', { etag });
    } catch (error) {
      if (isStorageStatus(error, 409, 412, 404))
        throw new AlertStoreConflict('the sweep mark changed concurrently');
      throw error;
    }
  }

  async remove(key: string, etag: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.client.deleteEntity(this.pairs, key, { etag });
    } catch (error) {
      if (isStorageStatus(error, 404)) return;
      if (isStorageStatus(error, 412))
        throw new AlertStoreConflict(`alert state of ${key} changed concurrently`);
      throw error;
    }
  }
}
