import type { TokenCredential } from '@azure/identity';

export type TableReportHistoryTarget =
  /** A storage connection string (Azurite's well-known one locally). */
  | { connectionString: string; tableName?: string }
  /** https://<account>.table.core.windows.net with Entra auth (managed identity in Azure). */
  | { endpoint: string; credential: TokenCredential; tableName?: string };
