import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { APP_SETTINGS } from '../config/app-settings.js';
import { errorText, secretRedactor } from '../secrets/secret-redactor.js';
import { createTelemetrySink, type TelemetrySink } from '../telemetry/telemetry-sink.js';
import { ingestionCredential } from './ingestion-credential.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SettingsTelemetry {
  sink: TelemetrySink | null;
  /** Why telemetry is off, when it is (no secret in it). */
  off: string | null;
}

/**
 * The Function's telemetry from its app settings: APPLICATIONINSIGHTS_CONNECTION_STRING with Entra
 * auth (ingestionCredential). Never throws: without a connection string, or when start-up fails,
 * telemetry is off and `off` says why.
 */
export function telemetryFromSettings(
  env: Env,
  overrides: {
    credential?: TokenCredential;
    httpClient?: HttpClient;
    onError?: (message: string) => void;
  } = {},
): SettingsTelemetry {
  const connectionString = env[APP_SETTINGS.appInsightsConnectionString]?.trim();
  if (!connectionString) {
    return { sink: null, off: `telemetry off: ${APP_SETTINGS.appInsightsConnectionString} is not set` };
  }
  try {
    const sink = createTelemetrySink({
      connectionString,
      credential: overrides.credential ?? ingestionCredential(env),
      ...(overrides.httpClient ? { httpClient: overrides.httpClient } : {}),
      ...(overrides.onError ? { onError: overrides.onError } : {}),
    });
    return { sink, off: null };
  } catch (error) {
    const redact = secretRedactor([connectionString]);
    return { sink: null, off: `telemetry off: start-up failed (${redact(errorText(error))})` };
  }
}
