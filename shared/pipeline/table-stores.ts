import type { TokenCredential } from '@azure/identity';
import { TableAlertStore } from '../alerts/table-alert-store.js';
import { TableReportHistoryStore } from '../history/table-report-history-store.js';
import { errorText, secretRedactor } from '../secrets/secret-redactor.js';
import { tableAccountFrom } from '../storage/table-storage.js';

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
  return redacted(value, () => TableAlertStore.create(tableAccountFrom(value, credential, source), source));
}

/** The report history store from the same kinds of value (the Function uses one setting for both). */
export function historyStoreFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
): TableReportHistoryStore {
  return redacted(value, () =>
    TableReportHistoryStore.fromTarget(tableAccountFrom(value, credential, source), {}, source),
  );
}

/** The storage module never quotes the value; this keeps it so should an SDK message slip through. */
function redacted<T>(value: string, create: () => T): T {
  try {
    return create();
  } catch (error) {
    throw new Error(secretRedactor([value])(errorText(error)));
  }
}
