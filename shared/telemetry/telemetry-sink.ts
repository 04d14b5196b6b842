import type { AlertOutcome } from '../alerts/apply-alerts.js';
import { statelessOutcome } from '../alerts/apply-alerts.js';
import { printableText } from '../domain/printable-text.js';
import type { SweepReport } from '../domain/sweep-report.js';
import { type AzureMonitorOptions, startAzureMonitor } from './azure-monitor.js';
import { OtelRecorder } from './otel-recorder.js';
import { type TelemetryOptions, type TelemetryRecord, toTelemetry } from './telemetry-records.js';

export interface TelemetrySink {
  /** Records one sweep; returns the records it emitted (empty when telemetry is off). Never throws. */
  record(report: SweepReport, outcome?: AlertOutcome): TelemetryRecord[];
  /** Call after each sweep in short-lived processes (CLI, Function invocation): exports now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type TelemetrySinkOptions = AzureMonitorOptions & TelemetryOptions;

/**
 * The whole pipeline the Function and `sweep --export` share: Azure Monitor start-up, the pure
 * record builder and the OpenTelemetry recorder. Without an alert outcome, verdict changes are
 * computed statelessly (every non-ok verdict is reported).
 */
export function createTelemetrySink(options: TelemetrySinkOptions): TelemetrySink {
  const report =
    options.onError ?? ((message: string) => console.warn(printableText(`telemetry: ${message}`)));
  const monitor = startAzureMonitor({ ...options, onError: report });
  const recorder = new OtelRecorder();
  return {
    record(sweep, outcome) {
      if (!monitor.started) return [];
      try {
        const records = toTelemetry(sweep, outcome ?? statelessOutcome(sweep), options);
        recorder.emit(records);
        return records;
      } catch (error) {
        report(`could not record the sweep: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      }
    },
    flush: () => monitor.flush(),
    shutdown: () => monitor.shutdown(),
  };
}
