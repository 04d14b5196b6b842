import type { SweepReport } from '../domain/sweep-report.js';
import { type RecentQuery, type ReportHistoryStore, recentLimit } from './report-history-store.js';

/**
 * Reports kept in this process only, newest first, at most `capacity` of them: for
 * `tunnelwatch serve`, which sweeps by itself and needs no storage account.
 */
export class MemoryReportHistoryStore implements ReportHistoryStore {
  private reports: SweepReport[] = [];

  constructor(private readonly capacity = 60) {}

  async save(report: SweepReport): Promise<void> {
    const others = this.reports.filter((r) => r.startedAt !== report.startedAt);
    this.reports = [report, ...others]
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
      .slice(0, this.capacity);
  }

  async latest(): Promise<SweepReport | null> {
    return this.reports[0] ?? null;
  }

  async recent(query: RecentQuery = {}): Promise<SweepReport[]> {
    const since = query.since?.getTime() ?? Number.NEGATIVE_INFINITY;
    return this.reports.filter((r) => Date.parse(r.startedAt) >= since).slice(0, recentLimit(query));
  }
}
