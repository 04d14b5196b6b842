import type { SweepReport } from '../domain/sweep-report.js';

/** Which stored reports to return, newest first. */
export interface RecentQuery {
  /** At most this many (default 60). */
  limit?: number;
  /** Only sweeps that started at or after this time. */
  since?: Date;
}

/** Where each sweep's report is kept so the matrix page and `GET /api/report` can read it back. */
export interface ReportHistoryStore {
  /** Stores a report; saving the same sweep (same startedAt) again replaces it. */
  save(report: SweepReport): Promise<void>;
  /** The newest stored report, or null when none is stored. */
  latest(): Promise<SweepReport | null>;
  /** Stored reports, newest first. */
  recent(query?: RecentQuery): Promise<SweepReport[]>;
}

export const DEFAULT_RECENT_LIMIT = 60;

/** How many reports a query asks for: a whole number, at least one, DEFAULT_RECENT_LIMIT unset. */
export function recentLimit(query: RecentQuery): number {
  return Math.max(1, Math.floor(query.limit ?? DEFAULT_RECENT_LIMIT));
}
