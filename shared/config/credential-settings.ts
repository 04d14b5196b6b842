import { APP_SETTINGS } from './app-settings.js';

export type SettingRead = { ok: true; value: string } | { ok: false; message: string };

const KEY_VAULT_REFERENCE = '@Microsoft.KeyVault(';

/**
 * Reads one Docker credential app setting (PEM text). In Azure the setting is a Key Vault
 * reference the platform replaces with the secret; a value that still reads `@Microsoft.KeyVault(`
 * was not resolved. Messages name the setting and the fix, never the value.
 */
export function readPemSetting(env: Readonly<Record<string, string | undefined>>, name: string): SettingRead {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    return {
      ok: false,
      message: `app setting ${name} is not set; set it to the PEM text (in Azure infra/ makes it a Key Vault reference, see docs/deploy.md)`,
    };
  }
  if (value.trimStart().startsWith(KEY_VAULT_REFERENCE)) {
    return {
      ok: false,
      message: `app setting ${name} is still an unresolved Key Vault reference: check that the secret it names exists in the vault and that the Function's managed identity has the "Key Vault Secrets User" role on the vault, then restart the app`,
    };
  }
  if (!value.includes('-----BEGIN ')) {
    return {
      ok: false,
      message: `app setting ${name} does not hold PEM text (no "-----BEGIN" line); store the whole certificate or key file as the secret (az keyvault secret set --file …)`,
    };
  }
  return { ok: true, value };
}

export const TLS_SETTINGS = {
  ca: APP_SETTINGS.dockerTlsCa,
  cert: APP_SETTINGS.dockerTlsCert,
  key: APP_SETTINGS.dockerTlsKey,
} as const;
