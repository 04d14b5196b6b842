import type { TokenCredential } from '@azure/identity';
import type { AlertStore } from '../alerts/alert-store.js';
import { APP_SETTINGS } from '../config/app-settings.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import type { ReportHistoryStore } from '../history/report-history-store.js';
import { alertStoreFrom, reportHistoryFrom } from './table-stores.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Alert state and report history: both live in the Table Storage account the state setting names;
 * with the report blob setting, report bodies go to Blob Storage and the table keeps their index.
 */
export interface StateStores {
  alerts: AlertStore;
  history: ReportHistoryStore;
}

// One pair per value and environment for the life of the worker process, so each store's "table exists" check runs once.
const storesBySetting = new Map<string, StateStores>();

/**
 * The stores behind TUNNELWATCH_STATE_TABLE_ENDPOINT (an https Table endpoint reached with
 * `credential()`, or a connection string) and TUNNELWATCH_REPORT_BLOB_ENDPOINT (the same forms for
 * Blob Storage, optional), shared by the timer and the HTTP Functions; null when the state setting
 * is empty. Errors name the settings, never their values.
 */
export function stateStoresFromSettings(
  env: Env,
  credential: () => TokenCredential,
  environment: EnvironmentName = DEFAULT_ENVIRONMENT,
): StateStores | null {
  const name = APP_SETTINGS.stateTableEndpoint;
  const blobName = APP_SETTINGS.reportBlobEndpoint;
  const value = env[name]?.trim();
  const blobValue = env[blobName]?.trim();
  if (!value) {
    if (blobValue) {
      throw new Error(
        `app setting ${blobName} is set but ${name} is not: the report index and alert state live in Table Storage; set ${name} to https://<account>.table.core.windows.net`,
      );
    }
    return null;
  }
  // NUL never occurs in a setting value that parses, nor in an environment name.
  const key = `${environment}\u0000${value}\u0000${blobValue ?? ''}`;
  let stores = storesBySetting.get(key);
  if (!stores) {
    stores = {
      history: reportHistoryFrom(
        value,
        blobValue ? { value: blobValue, source: blobName } : undefined,
        credential,
        name,
        environment,
      ),
      alerts: alertStoreFrom(value, credential, name, environment),
    };
    storesBySetting.set(key, stores);
  }
  return stores;
}

/** The report history for the HTTP Functions, which have nothing to serve without it. */
export function historyStoreFromSettings(
  env: Env,
  credential: () => TokenCredential,
  environment: EnvironmentName = DEFAULT_ENVIRONMENT,
): ReportHistoryStore {
  const stores = stateStoresFromSettings(env, credential, environment);
  if (!stores) {
    throw new Error(
      `app setting ${APP_SETTINGS.stateTableEndpoint} is not set: set it to https://<account>.table.core.windows.net`,
    );
  }
  return stores.history;
}
