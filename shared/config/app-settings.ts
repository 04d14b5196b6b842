/**
 * Every environment variable / Function app setting tunnelwatch reads, defined once.
 * The Bicep in infra/ sets these names and a test keeps the two in step.
 */
export const APP_SETTINGS = {
  /** Config: a file path, or inline JSON (starts with "{"). */
  config: 'TUNNELWATCH_CONFIG',
  /** NCRONTAB schedule of the sweep timer, read by the host as %SWEEP_SCHEDULE%. */
  sweepSchedule: 'SWEEP_SCHEDULE',
  /** Application Insights connection string (no secret: Entra auth is used for ingestion). */
  appInsightsConnectionString: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  /** "Authorization=AAD;ClientId=<uami client id>" in Azure. */
  appInsightsAuthenticationString: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  /** Client id of the user-assigned managed identity used for every Azure call. */
  managedIdentityClientId: 'AZURE_CLIENT_ID',
  /**
   * The sweep queue's connection (Functions binding convention): a storage connection string, or in
   * Azure `TUNNELWATCH_SWEEP_QUEUE__queueServiceUri` (+ `__credential`, `__clientId`) for the managed
   * identity. Set: the timer enqueues one message per environment and a queue-triggered Function
   * sweeps each; unset: the timer sweeps every environment itself.
   */
  sweepQueue: 'TUNNELWATCH_SWEEP_QUEUE',
  /** Table Storage endpoint for alert state and report history, e.g. https://<acct>.table.core.windows.net */
  stateTableEndpoint: 'TUNNELWATCH_STATE_TABLE_ENDPOINT',
  /**
   * Blob Storage for report bodies, e.g. https://<acct>.blob.core.windows.net: when set, each
   * sweep's report is one blob and the state table keeps only a small index row per sweep.
   * Unset: the whole report goes in one table row (reports up to ~80 hosts).
   */
  reportBlobEndpoint: 'TUNNELWATCH_REPORT_BLOB_ENDPOINT',
  /**
   * Docker client credentials as PEM text, for hosts whose config says `"tls": { "fromAppSettings": true }`
   * (or `"ssh": { "fromAppSettings": true }`). In Azure each is a Key Vault reference
   * (infra/app/sweeper.bicep); Bicep sets either the three TLS ones or the SSH one (dockerAuth).
   */
  dockerTlsCa: 'TUNNELWATCH_DOCKER_TLS_CA',
  dockerTlsCert: 'TUNNELWATCH_DOCKER_TLS_CERT',
  dockerTlsKey: 'TUNNELWATCH_DOCKER_TLS_KEY',
  dockerSshKey: 'TUNNELWATCH_DOCKER_SSH_KEY',
} as const;

export type AppSettingName = (typeof APP_SETTINGS)[keyof typeof APP_SETTINGS];

export const DEFAULT_SWEEP_SCHEDULE = '0 */1 * * * *';
