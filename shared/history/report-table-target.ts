import type { TokenCredential } from '@azure/identity';
import type { TableReportHistoryTarget } from './table-report-history-target.js';

/**
 * Reads where reports live from one setting value: an https Table endpoint (Entra auth with the
 * given credential, the managed identity in Azure) or a storage connection string (Azurite locally).
 */
export function reportTableTarget(
  value: string,
  credential: () => TokenCredential,
  settingName: string,
): TableReportHistoryTarget {
  const text = value.trim();
  if (text === '') {
    throw new Error(
      `${settingName} is empty: set it to https://<account>.table.core.windows.net or to a storage connection string`,
    );
  }
  if (/^https?:\/\//i.test(text)) return { endpoint: text, credential: credential() };
  if (/(^|;)\s*(TableEndpoint|AccountName|UseDevelopmentStorage)=/i.test(text))
    return { connectionString: text };
  // The value may be a connection string with a typo: never echo it, it can hold an account key.
  throw new Error(
    `${settingName} is neither an https:// Table endpoint nor a storage connection string (AccountName=…;AccountKey=…;TableEndpoint=…)`,
  );
}
