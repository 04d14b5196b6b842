import { APP_SETTINGS } from '../config/app-settings.js';
import { azureCredential } from '../telemetry/azure-monitor.js';
import { reportTableTarget } from './report-table-target.js';
import { TableReportHistoryStore } from './table-report-history-store.js';

/**
 * The report history the Functions use: the Table endpoint from app settings (shared with alert
 * state), reached with the managed identity; a connection string works too (Azurite locally).
 */
export function reportStoreFromSettings(env: NodeJS.ProcessEnv = process.env): TableReportHistoryStore {
  const name = APP_SETTINGS.stateTableEndpoint;
  const value = env[name];
  if (value === undefined) {
    throw new Error(`app setting ${name} is not set: set it to https://<account>.table.core.windows.net`);
  }
  return TableReportHistoryStore.fromTarget(reportTableTarget(value, () => azureCredential(env), name));
}
