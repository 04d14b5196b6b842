import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { APP_SETTINGS } from '../config/app-settings.js';

/**
 * The credential used for every Azure call (Table Storage, telemetry ingestion): the user-assigned
 * managed identity when its client id is configured (in Azure), otherwise DefaultAzureCredential
 * (az login, environment, …).
 */
export function azureCredential(env: NodeJS.ProcessEnv = process.env): TokenCredential {
  const clientId = env[APP_SETTINGS.managedIdentityClientId]?.trim();
  return clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
}
