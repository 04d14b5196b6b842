import { describe, expect, it } from 'vitest';
import type { StoredAlertState } from '../../../shared/alerts/alert-store.js';
import type { AlertOutcome } from '../../../shared/alerts/apply-alerts.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../../../shared/history/memory-report-history-store.js';
import { afterSweep, alertSummary } from '../../../shared/pipeline/after-sweep.js';
import { secretRedactor } from '../../../shared/secrets/secret-redactor.js';
import type { TelemetrySink } from '../../../shared/telemetry/telemetry-sink.js';
import { MemoryAlertStore } from '../../support/memory-alert-store.js';
import { bothWays, buildReport } from '../../support/sweep-report-builder.js';

class FailingAlertStore extends MemoryAlertStore {
  override async list(): Promise<StoredAlertState[]> {
    throw new Error('connect ECONNREFUSED https://acct.table.core.windows.net/?sv=1&sig=SIGNATURE-SECRET');
  }
}

function recordingSink() {
  const calls: { report: SweepReport; outcome: AlertOutcome | undefined }[] = [];
  let flushed = 0;
  const sink: TelemetrySink = {
    record(report, outcome) {
      calls.push({ report, outcome });
      return [];
    },
    flush: async () => {
      flushed++;
    },
    shutdown: async () => {},
  };
  return { sink, calls, flushed: () => flushed };
}

const HOSTS = ['h1', 'h2', 'h3'] as HostName[];
const sweepAt = (minute: number, faulty: boolean) => {
  const report = buildReport({
    hosts: 3,
    faults: faulty ? bothWays('h1', 'h3', 'udp-4500-blocked') : {},
  });
  return { ...report, startedAt: new Date(Date.UTC(2025, 0, 1, 12, minute)).toISOString() };
};

describe('the after-sweep pipeline shared by the Function and the CLI', () => {
  it('opens an alert on the second failing sweep and hands that outcome to telemetry, after saving the report', async () => {
    const alertStore = new MemoryAlertStore();
    const historyStore = new MemoryReportHistoryStore();
    const { sink, calls, flushed } = recordingSink();
    const steps = { alertStore, historyStore, telemetry: sink };

    const first = await afterSweep(sweepAt(0, true), HOSTS, steps);
    expect(first.outcome?.transitions).toEqual([]);
    expect(alertSummary(first.outcome)).toBe(', alerts: 0 open (+0 opened, 0 resolved)');

    const second = await afterSweep(sweepAt(1, true), HOSTS, steps);
    expect(second.problems).toEqual([]);
    expect(second.saved).toBe(true);
    expect(second.outcome?.transitions.map((t) => [t.action, t.pair, t.cause])).toEqual([
      ['opened', { a: 'h1', b: 'h3' }, 'udp-4500-blocked'],
    ]);
    expect(alertSummary(second.outcome)).toBe(', alerts: 1 open (+1 opened, 0 resolved)');
    expect(calls.map((c) => c.outcome)).toEqual([first.outcome, second.outcome]);
    expect(flushed()).toBe(2);
    expect((await historyStore.recent()).map((r) => r.startedAt)).toEqual([
      sweepAt(1, true).startedAt,
      sweepAt(0, true).startedAt,
    ]);
  });

  it('reads the stored history back for the page only when asked, newest (this sweep) first', async () => {
    const historyStore = new MemoryReportHistoryStore();
    await historyStore.save(sweepAt(0, false));
    const report = sweepAt(5, false);
    expect((await afterSweep(report, HOSTS, { historyStore })).history).toEqual([report]);
    const read = await afterSweep(report, HOSTS, { historyStore, historyLength: 12 });
    expect(read.history.map((r) => r.startedAt)).toEqual([report.startedAt, sweepAt(0, false).startedAt]);
  });

  it('keeps going when the alert store fails: the report is saved, telemetry still sent (statelessly), the key redacted', async () => {
    const historyStore = new MemoryReportHistoryStore();
    const { sink, calls } = recordingSink();
    const result = await afterSweep(sweepAt(0, true), HOSTS, {
      alertStore: new FailingAlertStore(),
      historyStore,
      telemetry: sink,
      redact: secretRedactor([]),
    });
    expect(result.outcome).toBeNull();
    expect(result.saved).toBe(true);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.outcome).toBeUndefined();
    expect(result.problems).toEqual([
      {
        step: 'alerts',
        message:
          'applying the alert state failed: connect ECONNREFUSED https://acct.table.core.windows.net/?sv=1&sig=[redacted]',
      },
    ]);
  });

  it('reports a failed save as a history problem and still records telemetry', async () => {
    const { sink, calls } = recordingSink();
    const historyStore = new MemoryReportHistoryStore();
    historyStore.save = async () => {
      throw new Error('EntityTooLarge');
    };
    const result = await afterSweep(sweepAt(0, false), HOSTS, {
      historyStore,
      telemetry: sink,
      historyLength: 12,
    });
    expect(result.problems).toEqual([
      { step: 'history', message: 'saving the report failed: EntityTooLarge' },
    ]);
    expect(result.history).toHaveLength(1);
    expect(calls).toHaveLength(1);
  });
});

describe('secretRedactor', () => {
  it('removes connection strings, the keys inside them, SAS signatures and bearer tokens', () => {
    const conn =
      'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=S2V5S2V5S2V5;EndpointSuffix=core.windows.net';
    const redact = secretRedactor([conn, undefined]);
    expect(redact(`bad: ${conn}`)).toBe('bad: [redacted]');
    expect(redact('key S2V5S2V5S2V5 seen')).toBe('key [redacted] seen');
    expect(redact('AccountKey=QUJDREVGR0hJSg== in another string')).toBe(
      'AccountKey=[redacted] in another string',
    );
    expect(redact('GET /t?se=1&sig=abc%2Fdef then')).toBe('GET /t?se=1&sig=[redacted] then');
    expect(redact('Authorization: Bearer eyJ0eXAi.abc.def')).toBe('Authorization: Bearer [redacted]');
    // Placeholders in advice text are left alone.
    expect(redact('expected AccountName=…;AccountKey=…')).toBe('expected AccountName=…;AccountKey=…');
  });
});
