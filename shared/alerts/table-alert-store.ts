import { RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { Cause } from '../domain/cause.js';
import type { HostName } from '../domain/host-name.js';
import type { PairAlertState } from './alert-state.js';
import { type AlertStore, AlertStoreConflict, type StoredAlertState } from './alert-store.js';
import { pairKey } from './pair-key.js';

export const DEFAULT_ALERT_TABLE = 'tunnelwatchalerts';
const PARTITION = 'pair';

export type TableAlertStoreTarget =
  /** A storage connection string (Azurite's well-known one locally). */
  | { connectionString: string; tableName?: string }
  /** https://<account>.table.core.windows.net with Entra auth (managed identity in Azure). */
  | { endpoint: string; credential: TokenCredential; tableName?: string };

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

function toEntity(state: PairAlertState): AlertEntity {
  // Table Storage has no null: empty strings stand for "none".
  return {
    partitionKey: PARTITION,
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

function isStatus(error: unknown, ...codes: number[]): boolean {
  return error instanceof RestError && error.statusCode !== undefined && codes.includes(error.statusCode);
}

function createClient(target: TableAlertStoreTarget): TableClient {
  const tableName = target.tableName ?? DEFAULT_ALERT_TABLE;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) {
    throw new Error(
      `alert state: table name "${tableName}" must be 3-63 letters or digits, starting with a letter`,
    );
  }
  if ('connectionString' in target) {
    // Azurite speaks plain http on loopback; the SDK refuses that unless told.
    const insecure = /(^|;)\s*(UseDevelopmentStorage=true|DefaultEndpointsProtocol=http)\s*(;|$)/i.test(
      target.connectionString,
    );
    try {
      return TableClient.fromConnectionString(target.connectionString, tableName, {
        allowInsecureConnection: insecure,
      });
    } catch {
      // The SDK's message may quote the string, and with it the account key.
      throw new Error(
        'alert state: the Table Storage connection string is not valid; expected "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;TableEndpoint=…" or "UseDevelopmentStorage=true"',
      );
    }
  }
  let url: URL;
  try {
    url = new URL(target.endpoint);
  } catch {
    throw new Error(
      'alert state: the Table Storage endpoint must be a URL like https://<account>.table.core.windows.net',
    );
  }
  return new TableClient(url.toString().replace(/\/$/, ''), tableName, target.credential, {
    allowInsecureConnection:
      url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname),
  });
}

/** Alert state in Azure Table Storage, one row per host pair, ETags for optimistic concurrency. */
export class TableAlertStore implements AlertStore {
  private ready: Promise<void> | null = null;

  private constructor(private readonly client: TableClient) {}

  static create(target: TableAlertStoreTarget): TableAlertStore {
    return new TableAlertStore(createClient(target));
  }

  private ensureTable(): Promise<void> {
    // createTable treats "already exists" as success.
    this.ready ??= this.client.createTable().then(
      () => undefined,
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  async list(): Promise<StoredAlertState[]> {
    await this.ensureTable();
    const rows: StoredAlertState[] = [];
    const entities = this.client.listEntities<AlertEntity>({
      queryOptions: { filter: `PartitionKey eq '${PARTITION}'` },
    });
    for await (const entity of entities) rows.push(fromEntity(entity));
    return rows;
  }

  async get(key: string): Promise<StoredAlertState | null> {
    await this.ensureTable();
    try {
      return fromEntity(await this.client.getEntity<AlertEntity>(PARTITION, key));
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw error;
    }
  }

  async put(state: PairAlertState, etag: string | null): Promise<void> {
    await this.ensureTable();
    try {
      if (etag === null) await this.client.createEntity(toEntity(state));
      else await this.client.updateEntity(toEntity(state), 'Replace', { etag });
    } catch (error) {
      // 409: created meanwhile; 412: changed meanwhile; 404: deleted meanwhile.
      if (isStatus(error, 409, 412, 404))
        throw new AlertStoreConflict(`alert state of ${pairKey(state.pair)} changed concurrently`);
      throw error;
    }
  }

  async remove(key: string, etag: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.client.deleteEntity(PARTITION, key, { etag });
    } catch (error) {
      if (isStatus(error, 404)) return;
      if (isStatus(error, 412)) throw new AlertStoreConflict(`alert state of ${key} changed concurrently`);
      throw error;
    }
  }
}

/** `--alert-state` accepts a connection string or an https URL (then `credential` authenticates). */
export function tableAlertStoreTarget(
  text: string,
  credential: TokenCredential | undefined,
  tableName?: string,
): TableAlertStoreTarget {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    if (!credential)
      throw new Error(
        'alert state: a Table Storage URL needs an Entra credential (managed identity or az login)',
      );
    return { endpoint: trimmed, credential, ...(tableName ? { tableName } : {}) };
  }
  return { connectionString: trimmed, ...(tableName ? { tableName } : {}) };
}
