import type { TokenCredential } from '@azure/identity';
import { TableAlertStore, tableAlertStoreTarget } from '../alerts/table-alert-store.js';
import { reportTableTarget } from '../history/report-table-target.js';
import { TableReportHistoryStore } from '../history/table-report-history-store.js';
import { errorText, secretRedactor } from './secret-redactor.js';

const isUrl = (text: string) => /^https?:\/\//i.test(text.trim());

/**
 * The alert store from one value: a Table Storage connection string, or an https Table endpoint
 * reached with `credential()` (called only for a URL). Errors name `source` (a flag or an app
 * setting) and never quote the value.
 */
export function alertStoreFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
): TableAlertStore {
  try {
    return TableAlertStore.create(tableAlertStoreTarget(value, isUrl(value) ? credential() : undefined));
  } catch (error) {
    throw new Error(`${source}: ${secretRedactor([value])(errorText(error))}`);
  }
}

/** The report history store from the same kinds of value (the Function uses one setting for both). */
export function historyStoreFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
): TableReportHistoryStore {
  try {
    return TableReportHistoryStore.fromTarget(reportTableTarget(value, credential, source));
  } catch (error) {
    const text = secretRedactor([value])(errorText(error));
    throw new Error(text.startsWith(source) ? text : `${source}: ${text}`);
  }
}
