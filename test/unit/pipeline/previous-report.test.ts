import { describe, expect, it } from 'vitest';
import type { TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../../../shared/history/memory-report-history-store.js';
import type { ReportHistoryStore } from '../../../shared/history/report-history-store.js';
import { previousReport } from '../../../shared/pipeline/previous-report.js';
import { buildReport } from '../../support/sweep-report-builder.js';

const base = { hosts: [], agent: {}, probes: {} } as unknown as TunnelwatchConfig;
const limits = { deadlineMs: 20_000, concurrency: 8, connectTimeoutMs: 3000 };
const sampled: TunnelwatchConfig = {
  ...base,
  sweep: { ...limits, sampling: { aboveHosts: 5, peersPerSweep: 2, rotationMs: 60_000 } },
};
const full: TunnelwatchConfig = { ...base, sweep: limits };
const reportAt = (m: number): SweepReport =>
  buildReport({ hosts: 3, startedAt: new Date(Date.UTC(2025, 0, 1, 12, m)) });
async function storeWith(...reports: SweepReport[]): Promise<MemoryReportHistoryStore> {
  const store = new MemoryReportHistoryStore(10);
  for (const r of reports) await store.save(r);
  return store;
}

describe('where a sampled sweep takes its carried verdicts from', () => {
  it('nowhere when sampling is off (nothing is read)', async () => {
    const failing = { latest: () => Promise.reject(new Error('must not be read')) } as ReportHistoryStore;
    expect(await previousReport(full, reportAt(1), failing)).toEqual({ report: null, problem: null });
  });

  it('a cold start without history: none (pairs are "not sampled yet")', async () => {
    expect(await previousReport(sampled, null, undefined)).toEqual({ report: null, problem: null });
  });

  it('a cold start with history: the newest stored report', async () => {
    const got = await previousReport(sampled, null, await storeWith(reportAt(1), reportAt(2)));
    expect(got.report?.startedAt).toBe(reportAt(2).startedAt);
  });

  it('the newer of the kept and the stored report (another instance may have swept since)', async () => {
    const store = await storeWith(reportAt(3));
    expect((await previousReport(sampled, reportAt(2), store)).report?.startedAt).toBe(reportAt(3).startedAt);
    expect((await previousReport(sampled, reportAt(4), store)).report?.startedAt).toBe(reportAt(4).startedAt);
  });

  it('history that cannot be read: the kept report, and the problem said', async () => {
    const failing = { latest: () => Promise.reject(new Error('table down')) } as ReportHistoryStore;
    const got = await previousReport(sampled, reportAt(2), failing);
    expect(got.report?.startedAt).toBe(reportAt(2).startedAt);
    expect(got.problem).toContain('table down');
  });
});
