import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { azureCredential } from '../azure/azure-credential.js';
import { APP_SETTINGS } from '../config/app-settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The credential for Application Insights ingestion, read like the Functions host reads it:
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD;ClientId=<uami client id>" (what
 * infra/app/sweeper.bicep sets) means that managed identity; "Authorization=AAD" alone the
 * system-assigned one. Otherwise the identity every other Azure call uses (azureCredential).
 */
export function ingestionCredential(env: Env): TokenCredential {
  const text = env[APP_SETTINGS.appInsightsAuthenticationString]?.trim();
  if (text) {
    const parts = new Map(
      text
        .split(';')
        .map((part) => part.split('='))
        .filter((kv) => kv.length === 2)
        .map(([k, v]) => [k!.trim().toLowerCase(), v!.trim()] as const),
    );
    if (parts.get('authorization')?.toLowerCase() === 'aad') {
      const clientId = parts.get('clientid');
      return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
    }
  }
  return azureCredential(env as NodeJS.ProcessEnv);
}

/** True when the environment asks for Entra ID ingestion (the Function's app settings do). */
export function wantsEntraIngestion(env: Env): boolean {
  return /(^|;)\s*Authorization\s*=\s*AAD\s*(;|$)/i.test(
    env[APP_SETTINGS.appInsightsAuthenticationString] ?? '',
  );
}
