import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { SweepReport } from '../domain/sweep-report.js';
import type { ReportHistoryStore } from '../history/report-history-store.js';
import { errorText } from '../secrets/secret-redactor.js';

export interface PreviousReport {
  report: SweepReport | null;
  /** Why the history could not be read (the sweep goes on: unprobed pairs are "not sampled yet"). */
  problem: string | null;
}

/**
 * Where a sampled sweep's unprobed pairs take their last verdicts from (docs/scale.md): the newer of
 * the report this process kept from its last sweep (serve, a warm Function instance) and the newest
 * stored one (another instance may have swept since; a cold start has only this), else none. Read
 * only when sampling is configured.
 */
export async function previousReport(
  config: TunnelwatchConfig,
  kept: SweepReport | null,
  history: ReportHistoryStore | undefined,
): Promise<PreviousReport> {
  if (!config.sweep.sampling) return { report: null, problem: null };
  if (!history) return { report: kept, problem: null };
  let stored: SweepReport | null;
  try {
    stored = await history.latest();
  } catch (error) {
    return { report: kept, problem: `reading the previous report failed: ${errorText(error)}` };
  }
  if (!kept || !stored) return { report: kept ?? stored, problem: null };
  return { report: Date.parse(stored.startedAt) > Date.parse(kept.startedAt) ? stored : kept, problem: null };
}
