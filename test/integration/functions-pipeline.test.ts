// The timer Function end to end, called as the host would (Timer + InvocationContext): config from
// app settings, a sweep over fake Docker hosts, then the shared pipeline into real Azurite (alert
// state, report history) and the real Azure Monitor exporter into a local ingestion endpoint.
import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matrixHandler } from '../../functions/matrix.js';
import { sweepTimerHandler } from '../../functions/sweep-timer.js';
import { TableAlertStore } from '../../shared/alerts/table-alert-store.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { historyStoreFromSettings } from '../../shared/pipeline/state-stores.js';
import { telemetryFromSettings } from '../../shared/pipeline/telemetry-from-settings.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { EVENT_ATTRIBUTES, EVENTS, METRICS } from '../../shared/telemetry/names.js';
import type { TelemetrySink } from '../../shared/telemetry/telemetry-sink.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { type CaptureEndpoint, plainHttpClient, startCaptureEndpoint } from '../support/capture-endpoint.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

/** The timer with no sweep queue configured sweeps the config's one environment itself. */
async function sweepOnce(...args: Parameters<typeof sweepTimerHandler>) {
  const outcome = await sweepTimerHandler(...args);
  expect(outcome.reports).toHaveLength(1);
  return outcome.reports[0]!;
}

const TOKEN = 'test-token-not-a-secret';
const fixedToken = fixedTokenCredential(TOKEN);

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

// h1, h2: agents that ping over loopback; h3: a Docker endpoint that never answers.
const CONFIG = JSON.stringify({
  hosts: [1, 2, 3].map((n) => ({
    name: `h${n}`,
    docker: { endpoint: `unix:///run/tw-fn-pipeline-h${n}.sock` },
  })),
  probes: { pingCount: 1, ikeTimeoutMs: 50 },
  sweep: { deadlineMs: 2500 },
});

let guard: ReturnType<typeof guardLoopbackOnly>;
let azurite: Azurite;
let endpoint: CaptureEndpoint;
let env: Record<string, string>;
let sink: TelemetrySink | null;
const telemetryProblems: string[] = [];

beforeAll(async () => {
  guard = guardLoopbackOnly();
  [azurite, endpoint] = await Promise.all([startAzuriteTable(), startCaptureEndpoint()]);
  env = {
    TUNNELWATCH_CONFIG: CONFIG,
    TUNNELWATCH_STATE_TABLE_ENDPOINT: azurite.connectionString,
    APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
      'Authorization=AAD;ClientId=00000000-0000-0000-0000-00000000000a',
  };
  // What start-telemetry.ts does at start-up, with the test's token and plain-http capture.
  const started = telemetryFromSettings(env, {
    credential: fixedToken,
    httpClient: plainHttpClient(),
    onError: (message) => telemetryProblems.push(message),
  });
  expect(started.off).toBeNull();
  sink = started.sink;
});

afterAll(async () => {
  await sink?.shutdown();
  await endpoint?.close();
  await azurite?.stop();
  guard?.restore();
});

async function invoke(): Promise<{ report: SweepReport; logs: { level: string; text: string }[] }> {
  const logs: { level: string; text: string }[] = [];
  const context = new InvocationContext({
    functionName: 'sweep',
    invocationId: `pipeline-${Date.now()}`,
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  const report = await sweepOnce(timer, context, {
    env,
    telemetry: sink,
    execProbes: [overlayIcmpProbe, underlayIcmpProbe],
    agentProbes: [],
    clientFor: loopbackFleet(['h3']),
  });
  return { report, logs };
}

describe('timer Function: sweep → alert state → report history → telemetry', () => {
  let first: Awaited<ReturnType<typeof invoke>>;
  let second: Awaited<ReturnType<typeof invoke>>;

  beforeAll(async () => {
    first = await invoke();
    second = await invoke();
  });

  it('logs one summary line per invocation, with the alert count once the second failing sweep opens them', () => {
    expect(first.logs).toEqual([
      {
        level: 'information',
        text: expect.stringMatching(
          /^sweep unknown: 3 hosts, 2 agents, 2\/6 pairs ok \(docker-unreachable×4\), \d+ ms, alerts: 0 open \(\+0 opened, 0 resolved\)$/,
        ),
      },
    ]);
    expect(second.logs).toEqual([
      { level: 'information', text: expect.stringMatching(/, alerts: 2 open \(\+2 opened, 0 resolved\)$/) },
    ]);
  });

  it('writes the alert state to Table Storage: h1~h3 and h2~h3 open with the cause', async () => {
    const rows = await TableAlertStore.create({ connectionString: azurite.connectionString }).list();
    const byPair = Object.fromEntries(rows.map((r) => [`${r.state.pair.a}~${r.state.pair.b}`, r.state]));
    expect(Object.keys(byPair).sort()).toEqual(['h1~h3', 'h2~h3']);
    for (const state of Object.values(byPair)) {
      expect(state).toMatchObject({ status: 'open', cause: 'docker-unreachable', failStreak: 2 });
      expect(state.alertId).toMatch(/^h[12]~h3~\d{8}T\d{9}Z$/);
    }
  });

  it('saves both reports to the history the matrix Function reads, newest first', async () => {
    const store = historyStoreFromSettings(env, () => fixedToken);
    const recent = await store.recent();
    expect(recent.map((r) => r.startedAt)).toEqual([second.report.startedAt, first.report.startedAt]);
    expect(recent[0]).toEqual(JSON.parse(JSON.stringify(second.report)));

    const context = new InvocationContext({ functionName: 'matrix', invocationId: 'pipeline-matrix' });
    const page = await matrixHandler(() => store)(
      new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/matrix' }),
      context,
    );
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('docker-unreachable');
  });

  it('sends the envelopes with a bearer token: two heartbeats, the open alerts, and one opened event per pair', () => {
    const all = endpoint.envelopes();
    expect(telemetryProblems).toEqual([]);
    expect(endpoint.requests.length).toBeGreaterThan(0);
    for (const request of endpoint.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const metric = (name: string) =>
      all.filter((e) => e.data.baseType === 'MetricData' && e.data.baseData.metrics?.[0]?.name === name);
    expect(metric(METRICS.heartbeat.name).map((e) => e.data.baseData.metrics?.[0]?.value)).toEqual([1, 1]);
    expect(metric(METRICS.alertsOpen.name)).toHaveLength(2);

    const opened = all
      .filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === EVENTS.alert)
      .map((e) => e.data.baseData.properties ?? {});
    expect(
      opened
        .map((p) => [
          p[EVENT_ATTRIBUTES.alertAction],
          p[EVENT_ATTRIBUTES.source],
          p[EVENT_ATTRIBUTES.destination],
          p[EVENT_ATTRIBUTES.cause],
        ])
        .sort(),
    ).toEqual([
      ['opened', 'h1', 'h3', 'docker-unreachable'],
      ['opened', 'h2', 'h3', 'docker-unreachable'],
    ]);
  });

  it('sent nothing anywhere but loopback, apart from the VM-metadata lookup the distro makes (refused by the guard)', () => {
    expect(guard.blocked).toEqual([]);
  });
});
