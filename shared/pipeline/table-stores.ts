import type { TokenCredential } from '@azure/identity';
import { TableAlertStore } from '../alerts/table-alert-store.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import { BlobReportHistoryStore } from '../history/blob-report-history-store.js';
import type { ReportHistoryStore } from '../history/report-history-store.js';
import { DEFAULT_REPORT_PARTITION, TableReportHistoryStore } from '../history/table-report-history-store.js';
import { errorText, secretRedactor } from '../secrets/secret-redactor.js';
import { blobAccountFrom } from '../storage/blob-storage.js';
import { environmentPartition } from '../storage/environment-partition.js';
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
  environment: EnvironmentName = DEFAULT_ENVIRONMENT,
): TableAlertStore {
  return redacted(value, () =>
    TableAlertStore.create(tableAccountFrom(value, credential, source), source, environment),
  );
}

/** The report history store from the same kinds of value (the Function uses one setting for both). */
export function historyStoreFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
  environment: EnvironmentName = DEFAULT_ENVIRONMENT,
): TableReportHistoryStore {
  const partition = environmentPartition(DEFAULT_REPORT_PARTITION, environment);
  return redacted(value, () =>
    TableReportHistoryStore.fromTarget(tableAccountFrom(value, credential, source), { partition }, source),
  );
}

/** Where the report bodies go when they are blobs: a value and the flag or setting it came from. */
export interface ReportBlobSource {
  value: string;
  source: string;
}

/**
 * The report history from the table value, plus `blobs` when report bodies go to Blob Storage (one
 * blob per sweep, indexed by a small row in the table's account); without `blobs`, one table row
 * per sweep, as before. The environment scopes either. Errors name the sources and never quote a value.
 */
export function reportHistoryFrom(
  table: string,
  blobs: ReportBlobSource | undefined,
  credential: () => TokenCredential,
  source: string,
  environment: EnvironmentName = DEFAULT_ENVIRONMENT,
): ReportHistoryStore {
  if (!blobs) return historyStoreFrom(table, credential, source, environment);
  return redactedAll([table, blobs.value], () =>
    BlobReportHistoryStore.fromTargets(
      tableAccountFrom(table, credential, source),
      blobAccountFrom(blobs.value, credential, blobs.source),
      { scope: environment },
      `${source} / ${blobs.source}`,
    ),
  );
}

/** The storage module never quotes the value; this keeps it so should an SDK message slip through. */
function redacted<T>(value: string, create: () => T): T {
  return redactedAll([value], create);
}

function redactedAll<T>(values: readonly string[], create: () => T): T {
  try {
    return create();
  } catch (error) {
    throw new Error(secretRedactor(values)(errorText(error)));
  }
}
