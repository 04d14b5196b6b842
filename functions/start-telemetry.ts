// Imported first by index.ts: Azure Monitor must start before the modules it instruments load.
import { type SettingsTelemetry, telemetryFromSettings } from '../shared/pipeline/telemetry-from-settings.js';

/**
 * The process-wide telemetry of the Function app: useAzureMonitor with the connection string from
 * APPLICATIONINSIGHTS_CONNECTION_STRING and the managed identity (AZURE_CLIENT_ID /
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING). Never throws; `off` says why when it is off.
 */
export const functionTelemetry: SettingsTelemetry = telemetryFromSettings(process.env);
