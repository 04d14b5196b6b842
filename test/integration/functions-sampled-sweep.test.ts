// The timer Function with peer sampling, across cold starts (a fresh module: no instance memory):
// with an empty report history the pairs it does not probe are `unknown`, "not sampled yet"; with a
// report in the history they carry that report's verdicts, saying when they were sampled.
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { historyStoreFromSettings } from '../../shared/pipeline/state-stores.js';
import { overlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';
import { buildReport } from '../support/sweep-report-builder.js';

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const HOSTS = 6;
// Six loopback agents (127.0.0.1..6); each probes one peer per sweep.
const CONFIG = JSON.stringify({
  hosts: Array.from({ length: HOSTS }, (_, i) => ({
    name: `h${i + 1}`,
    docker: { endpoint: `unix:///run/tw-fn-sampled-h${i + 1}.sock` },
  })),
  probes: { pingCount: 1, ikeTimeoutMs: 50 },
  sweep: { deadlineMs: 2500, sampling: { aboveHosts: 4, peersPerSweep: 1 } },
});

let guard: ReturnType<typeof guardLoopbackOnly>;
let azurite: Azurite;
let env: Record<string, string>;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  azurite = await startAzuriteTable();
  env = { TUNNELWATCH_CONFIG: CONFIG, TUNNELWATCH_STATE_TABLE_ENDPOINT: azurite.connectionString };
});

afterAll(async () => {
  await azurite?.stop();
  guard?.restore();
});

/** One invocation on a freshly loaded module, as after a cold start. */
async function coldInvoke(): Promise<SweepReport> {
  vi.resetModules();
  const { sweepTimerHandler } = await import('../../functions/sweep-timer.js');
  const context = new InvocationContext({ functionName: 'sweep', invocationId: `sampled-${Date.now()}` });
  const outcome = await sweepTimerHandler(timer, context, {
    env,
    telemetry: null,
    execProbes: [overlayIcmpProbe],
    agentProbes: [],
    clientFor: loopbackFleet(),
  });
  return outcome.reports[0]!;
}

describe('timer Function with peer sampling, cold starts', () => {
  it('with no report history: the pairs it did not probe are unknown, "not sampled yet"', async () => {
    const report = await coldInvoke();
    expect(report.sampling).toMatchObject({ peersPerSweep: 1, cycleSweeps: HOSTS - 1 });
    const source = (name: string) => report.verdicts.filter((v) => v.sample?.source === name);
    const notYet = source('not-sampled-yet');
    expect(notYet.length + source('probed').length).toBe(HOSTS * (HOSTS - 1));
    expect(notYet.length).toBeGreaterThan(0);
    for (const v of notYet) expect(v).toMatchObject({ state: 'unknown', cause: 'unknown' });
    expect(source('probed').every((v) => v.cause === 'ok')).toBe(true);
    expect(report.status).toBe('unknown');
  });

  it('with a report in the history: they carry its verdicts, with its start time', async () => {
    // A full sweep of the same hosts, stored after the first invocation: the newest report.
    const stored = buildReport({ hosts: HOSTS, startedAt: new Date() });
    await historyStoreFromSettings(env, () => fixedTokenCredential('unused')).save(stored);
    const report = await coldInvoke();
    expect(report.verdicts).toHaveLength(HOSTS * (HOSTS - 1));
    const notProbed = report.verdicts.filter((v) => v.sample?.source !== 'probed');
    expect(notProbed.length).toBeGreaterThan(0);
    for (const v of notProbed) {
      expect(v).toMatchObject({ state: 'up', cause: 'ok' });
      expect(v.sample).toMatchObject({ source: 'carried', sampledAt: stored.startedAt });
    }
    expect(report.status).toBe('up');
  });
});
