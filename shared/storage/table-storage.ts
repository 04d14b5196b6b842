import { odata, RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { createdOnce } from './created-once.js';

// The one module that speaks to the Table Storage SDK: the alert store and the report history
// share an account, so they share how it is named, reached and secured.
export { odata, type TableClient, type TableEntityResult };

/** Where tables live: one storage account, named by a connection string or by an endpoint URL. */
export type TableAccount =
  /** A storage connection string (Azurite's well-known one, or `UseDevelopmentStorage=true`, locally). */
  | { connectionString: string }
  /** https://<account>.table.core.windows.net with Entra auth (managed identity in Azure). */
  | { endpoint: string; credential: TokenCredential };

/** A table in an account; the store supplies its default name. */
export type TableTarget = TableAccount & { tableName?: string };

/** A connection string names its account by one of these; without one it names nothing. */
const CONNECTION_STRING_KEY = /(^|;)\s*(TableEndpoint|AccountName|UseDevelopmentStorage)\s*=/i;

/**
 * Reads the account from one value (a flag or an app setting named `source`): an http(s) URL is an
 * endpoint reached with `credential()` (called only then), anything shaped like a connection string
 * is one. Errors name `source` and never quote the value: it can hold an account key.
 */
export function tableAccountFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
): TableAccount {
  const text = value.trim();
  if (text === '') {
    throw new Error(
      `${source} is empty: set it to https://<account>.table.core.windows.net or to a storage connection string`,
    );
  }
  if (/^https?:\/\//i.test(text)) return { endpoint: text, credential: credential() };
  if (CONNECTION_STRING_KEY.test(text)) return { connectionString: text };
  throw new Error(
    `${source} is neither an https:// Table endpoint nor a storage connection string (AccountName=…;AccountKey=…;TableEndpoint=…, or UseDevelopmentStorage=true)`,
  );
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The one rule for plain http: only to loopback (Azurite). Anything else must be https, whether it
 * came as a URL or inside a connection string, so no request signature or token crosses a network
 * in clear text.
 */
export function isLocalPlainHttp(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** A client for `target`'s table (`defaultTable` unless it names one). `source` names it in errors. */
export function tableClient(target: TableTarget, defaultTable: string, source: string): TableClient {
  const tableName = target.tableName ?? defaultTable;
  if (!TABLE_NAME.test(tableName)) {
    throw new Error(
      `${source}: table name "${tableName}" must be 3-63 letters or digits, starting with a letter`,
    );
  }
  const endpoint =
    'connectionString' in target
      ? connectionStringEndpoint(target.connectionString, source)
      : target.endpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(
      `${source}: the Table endpoint must be a URL like https://<account>.table.core.windows.net`,
    );
  }
  const allowInsecureConnection = isLocalPlainHttp(url);
  if (url.protocol !== 'https:' && !allowInsecureConnection) {
    throw new Error(
      `${source}: the Table endpoint must start with https:// (plain http only to loopback, for Azurite), e.g. https://<account>.table.core.windows.net`,
    );
  }
  if ('connectionString' in target) {
    return TableClient.fromConnectionString(target.connectionString, tableName, { allowInsecureConnection });
  }
  return new TableClient(url.toString().replace(/\/$/, ''), tableName, target.credential, {
    allowInsecureConnection,
  });
}

/** The table endpoint a connection string resolves to, as the SDK itself resolves it. */
function connectionStringEndpoint(connectionString: string, source: string): string {
  try {
    return TableClient.fromConnectionString(connectionString, 'probe').url;
  } catch {
    // The SDK's message may quote the string, and with it the account key.
    throw new Error(
      `${source}: the Table Storage connection string is not valid; expected "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;TableEndpoint=…" or "UseDevelopmentStorage=true"`,
    );
  }
}

/** Creates the table on first use (createTable treats "already exists" as success). */
export function tableCreator(client: TableClient): () => Promise<void> {
  return createdOnce(() => client.createTable());
}

/** True when the service answered with one of `codes` (404 missing, 409 exists, 412 changed…). */
export function isStorageStatus(error: unknown, ...codes: number[]): boolean {
  return error instanceof RestError && error.statusCode !== undefined && codes.includes(error.statusCode);
}
