import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../azure/azure-credential.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import type { AfterSweepSteps } from '../pipeline/after-sweep.js';
import { ingestionCredential, wantsEntraIngestion } from '../pipeline/ingestion-credential.js';
import { alertStoreFrom, reportHistoryFrom } from '../pipeline/table-stores.js';
import { DEFAULT_HISTORY_LENGTH } from '../report/html/matrix-model.js';
import { secretRedactor } from '../secrets/secret-redactor.js';
import { checkConnectionString } from '../telemetry/azure-monitor.js';
import { createTelemetrySink, type TelemetrySink } from '../telemetry/telemetry-sink.js';
import type { CliOptions } from './parse-cli-args.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface SweepOutputDeps {
  env: Env;
  stderr: { write(text: string): unknown };
  /** Replaces the Entra credential (tests). */
  credential?: TokenCredential;
  /** Replaces the exporter's HTTP client (tests capture on plain http). */
  telemetryHttpClient?: HttpClient;
}

export interface SweepOutputs {
  /** The after-sweep steps of one environment: its own alert state and history, the shared telemetry. */
  stepsFor(environment: EnvironmentName): AfterSweepSteps;
  telemetry: TelemetrySink | null;
  close(): Promise<void>;
}

export type OpenedOutputs = { ok: true; outputs: SweepOutputs } | { ok: false; error: string };

/** `env:NAME` reads the value from the environment, so keys stay out of argv. */
function flagValue(flag: string, value: string, env: Env): string | { error: string } {
  const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1];
  if (!name) return value;
  const text = env[name]?.trim();
  return text ? text : { error: `${flag} env:${name}: the environment variable ${name} is not set` };
}

/**
 * What `sweep --export / --alert-state / --history [--history-blob] / --html` turn into: the steps of the shared
 * after-sweep pipeline. Telemetry starts here, before the sweep. Errors name the flag, never a key.
 */
export function openSweepOutputs(options: CliOptions, deps: SweepOutputDeps): OpenedOutputs {
  const values: Partial<Record<'export' | 'alert-state' | 'history' | 'history-blob', string>> = {};
  for (const [flag, raw] of [
    ['export', options.export],
    ['alert-state', options.alertState],
    ['history', options.history],
    ['history-blob', options.historyBlob],
  ] as const) {
    if (raw === undefined) continue;
    const value = flagValue(`--${flag}`, raw, deps.env);
    if (typeof value !== 'string') return { ok: false, error: value.error };
    values[flag] = value;
  }
  const redact = secretRedactor(Object.values(values));
  const tableCredential = () => deps.credential ?? azureCredential(deps.env as NodeJS.ProcessEnv);
  const storesFor = (environment: EnvironmentName): AfterSweepSteps => {
    const steps: AfterSweepSteps = { redact };
    if (values['alert-state'] !== undefined) {
      steps.alertStore = alertStoreFrom(values['alert-state'], tableCredential, '--alert-state', environment);
    }
    if (values.history !== undefined) {
      const blobs = values['history-blob'];
      steps.historyStore = reportHistoryFrom(
        values.history,
        blobs !== undefined ? { value: blobs, source: '--history-blob' } : undefined,
        tableCredential,
        '--history',
        environment,
      );
      if (options.html !== undefined) steps.historyLength = DEFAULT_HISTORY_LENGTH;
    }
    return steps;
  };
  try {
    // Checks the flags' values now, before any sweep: a bad one is a usage error.
    storesFor(DEFAULT_ENVIRONMENT);
  } catch (error) {
    return { ok: false, error: redact((error as Error).message) };
  }

  let telemetry: TelemetrySink | null = null;
  const connectionString = values.export;
  if (connectionString !== undefined) {
    const problem = checkConnectionString(connectionString);
    if (problem) return { ok: false, error: `--export: ${problem}` };
    let credential: TokenCredential | undefined;
    if (options.entra) credential = deps.credential ?? azureCredential(deps.env as NodeJS.ProcessEnv);
    else if (wantsEntraIngestion(deps.env)) credential = deps.credential ?? ingestionCredential(deps.env);
    telemetry = createTelemetrySink({
      connectionString,
      ...(credential ? { credential } : {}),
      ...(deps.telemetryHttpClient ? { httpClient: deps.telemetryHttpClient } : {}),
      // A one-shot run has no later run to retry from disk.
      offlineStorage: false,
      onError: (message) => deps.stderr.write(`tunnelwatch: telemetry: ${redact(message)}\n`),
    });
  }
  return {
    ok: true,
    outputs: {
      stepsFor: (environment) => ({ ...storesFor(environment), ...(telemetry ? { telemetry } : {}) }),
      telemetry,
      close: async () => {
        await telemetry?.shutdown();
      },
    },
  };
}
