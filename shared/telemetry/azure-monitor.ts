import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { shutdownAzureMonitor, useAzureMonitor } from '@azure/monitor-opentelemetry';
import { metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { azureVmDetector } from '@opentelemetry/resource-detector-azure';
import { printableText } from '../domain/printable-text.js';
import { errorText, secretRedactor } from '../secrets/secret-redactor.js';

export interface AzureMonitorOptions {
  /** Application Insights connection string: InstrumentationKey=…;IngestionEndpoint=https://… */
  connectionString: string;
  /** Entra ID auth for ingestion (local auth is disabled in our Bicep). Omit only for tests/keys. */
  credential?: TokenCredential;
  /** Replaces the exporter's HTTP client (tests point it at a local capture endpoint). */
  httpClient?: HttpClient;
  /** Keep failed batches on disk for retry (default true, as in the SDK). */
  offlineStorage?: boolean;
  /** The SDK's own usage pings go to a Microsoft endpoint, not ours: off unless asked for. */
  statsbeat?: boolean;
  /** Where telemetry problems are reported (never thrown). Messages carry no secrets. */
  onError?: (message: string) => void;
}

export interface AzureMonitorHandle {
  /** True when the SDK started; false when telemetry is disabled because start-up failed. */
  readonly started: boolean;
  /** Exports everything recorded so far; resolves even when the export fails. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Checks the shape without echoing the value (connection strings count as secrets here). */
export function checkConnectionString(text: string): string | null {
  const parts = new Map(
    text
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf('=');
        return [part.slice(0, eq).toLowerCase(), part.slice(eq + 1)] as const;
      }),
  );
  if (!parts.get('instrumentationkey')) {
    return "the Application Insights connection string has no InstrumentationKey=…; copy it from the resource's Overview page";
  }
  const ingestion = parts.get('ingestionendpoint');
  if (ingestion !== undefined && !/^https?:\/\/[^\s]+$/i.test(ingestion)) {
    return "the Application Insights connection string's IngestionEndpoint must be an http(s) URL";
  }
  return null;
}

function describe(error: unknown, secrets: string[]): string {
  return secretRedactor(secrets)(errorText(error));
}

interface Flushable {
  forceFlush?: () => Promise<void>;
}

const NOT_STARTED: AzureMonitorHandle = {
  started: false,
  flush: async () => {},
  shutdown: async () => {},
};

/**
 * Starts the Azure Monitor OpenTelemetry distro, first thing at start-up. Only what tunnelwatch
 * records is exported: HTTP/Azure SDK auto-instrumentation, standard metrics, performance counters
 * and live metrics are off, because each Docker API call would otherwise become a billed dependency.
 */
export function startAzureMonitor(options: AzureMonitorOptions): AzureMonitorHandle {
  const report =
    options.onError ?? ((message: string) => console.warn(printableText(`telemetry: ${message}`)));
  const problem = checkConnectionString(options.connectionString);
  if (problem) {
    report(`${problem}; telemetry is off for this run`);
    return NOT_STARTED;
  }
  if (options.statsbeat !== true) {
    // The exporter reads these at construction; only all three stop every statsbeat timer and
    // its Azure metadata (IMDS) lookups. APPLICATIONINSIGHTS_STATSBEAT_DISABLED alone does not.
    process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
    process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
    process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';
  }
  // The default resource detectors include azure_vm, which calls the instance metadata endpoint
  // (169.254.169.254) on every start — pointless off Azure VMs and a stray packet on a closed
  // network. Functions and host/os attributes come from local sources only.
  process.env.OTEL_NODE_RESOURCE_DETECTORS ??= 'env,host,os,azure_functions';
  // The distro also starts the Azure VM detector on its own, whatever that variable says. Neither a
  // Function app nor the CLI is an Azure VM, so its metadata lookup is replaced by "no VM".
  silenceVmMetadataLookup();
  const secrets = [options.connectionString];
  try {
    useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString: options.connectionString,
        ...(options.credential ? { credential: options.credential } : {}),
        ...(options.httpClient ? { httpClient: options.httpClient } : {}),
        disableOfflineStorage: options.offlineStorage === false,
      },
      enableLiveMetrics: false,
      enableStandardMetrics: false,
      enablePerformanceCounters: false,
      // Keep every span we might add; trace-rate sampling would drop early ones.
      samplingRatio: 1,
      tracesPerSecond: 0,
      instrumentationOptions: {
        http: { enabled: false },
        azureSdk: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
        bunyan: { enabled: false },
        winston: { enabled: false },
      },
    });
  } catch (error) {
    report(
      `could not start the Azure Monitor exporter (${describe(error, secrets)}); telemetry is off for this run`,
    );
    return NOT_STARTED;
  }

  let stopped = false;
  return {
    started: true,
    async flush() {
      if (stopped) return;
      try {
        await Promise.all([
          (metrics.getMeterProvider() as Flushable).forceFlush?.(),
          (logs.getLoggerProvider() as Flushable).forceFlush?.(),
        ]);
      } catch (error) {
        report(`flush failed: ${describe(error, secrets)}`);
      }
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      try {
        await shutdownAzureMonitor();
      } catch (error) {
        report(`shutdown failed: ${describe(error, secrets)}`);
      }
    },
  };
}

function silenceVmMetadataLookup(): void {
  (
    azureVmDetector as unknown as { getAzureVmMetadata: () => Promise<Record<string, never>> }
  ).getAzureVmMetadata = async () => ({});
}
