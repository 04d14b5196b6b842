import type { AlertPolicy } from '../alerts/alert-state.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { type AlertOutcome, applyAlerts } from '../alerts/apply-alerts.js';
import type { HostName } from '../domain/host-name.js';
import type { SweepReport } from '../domain/sweep-report.js';
import type { ReportHistoryStore } from '../history/report-history-store.js';
import { errorText } from '../secrets/secret-redactor.js';
import type { TelemetrySink } from '../telemetry/telemetry-sink.js';

/**
 * What happens to a finished sweep, the same for the timer Function, `tunnelwatch sweep` and
 * `tunnelwatch serve`. Each step is optional; a shell passes the ones it was configured with.
 */
export interface AfterSweepSteps {
  /** Alert state machine (Table Storage); its outcome feeds the alert events and open-alert rows. */
  alertStore?: AlertStore;
  alertPolicy?: AlertPolicy;
  /** Where the report is kept for the matrix page and GET /api/report. */
  historyStore?: ReportHistoryStore;
  /** Read this many stored reports back for the page (history strip); 0 / unset: do not read. */
  historyLength?: number;
  telemetry?: TelemetrySink | null;
  now?: () => Date;
  /** Applied to every problem message (removes keys that SDK errors may quote). */
  redact?: (text: string) => string;
}

export type AfterSweepStep = 'alerts' | 'history';

export interface AfterSweepProblem {
  step: AfterSweepStep;
  message: string;
}

export interface AfterSweepResult {
  /** null when no alert store was given or applying the alerts failed. */
  outcome: AlertOutcome | null;
  saved: boolean;
  /** Reports for the page, newest first, this sweep first; [report] when nothing was read back. */
  history: SweepReport[];
  /** Telemetry records emitted (0 when telemetry is off). */
  telemetryRecords: number;
  /** Steps that failed; the others still ran. Telemetry never fails a run (it reports on its own). */
  problems: AfterSweepProblem[];
}

/**
 * alerts → history → telemetry → flush. A failing step does not stop the later ones: the heartbeat
 * and metrics still go out when the state store is down (without an outcome, verdict changes are
 * reported statelessly and no open-alert rows are sent for this sweep).
 */
export async function afterSweep(
  report: SweepReport,
  configuredHosts: readonly HostName[],
  steps: AfterSweepSteps,
): Promise<AfterSweepResult> {
  const redact = steps.redact ?? ((text: string) => text);
  const problems: AfterSweepProblem[] = [];
  const fail = (step: AfterSweepStep, what: string, error: unknown) =>
    problems.push({ step, message: redact(`${what}: ${errorText(error)}`) });

  let outcome: AlertOutcome | null = null;
  if (steps.alertStore) {
    try {
      const now = steps.now?.() ?? new Date();
      outcome = await applyAlerts(steps.alertStore, report, configuredHosts, now, {
        ...(steps.alertPolicy ? { policy: steps.alertPolicy } : {}),
      });
    } catch (error) {
      fail('alerts', 'applying the alert state failed', error);
    }
  }

  let saved = false;
  let history: SweepReport[] = [report];
  if (steps.historyStore) {
    try {
      await steps.historyStore.save(report);
      saved = true;
    } catch (error) {
      fail('history', 'saving the report failed', error);
    }
    if (saved && steps.historyLength && steps.historyLength > 1) {
      try {
        const recent = await steps.historyStore.recent({ limit: steps.historyLength });
        history = [report, ...recent.filter((r) => r.startedAt !== report.startedAt)].slice(
          0,
          steps.historyLength,
        );
      } catch (error) {
        fail('history', 'reading the report history failed', error);
      }
    }
  }

  let telemetryRecords = 0;
  if (steps.telemetry) {
    telemetryRecords = steps.telemetry.record(report, outcome ?? undefined).length;
    await steps.telemetry.flush();
  }
  return { outcome, saved, history, telemetryRecords, problems };
}

/** ", alerts: 1 open (+1 opened, 0 resolved)" for the one-line summary; empty without alert state. */
export function alertSummary(outcome: AlertOutcome | null): string {
  if (!outcome) return '';
  const opened = outcome.transitions.filter((t) => t.action === 'opened').length;
  const resolved = outcome.transitions.length - opened;
  return `, alerts: ${outcome.open.length} open (+${opened} opened, ${resolved} resolved)`;
}
