// A real tunnel fault through both shells' pipelines: recorded lab outputs for `fault block-udp4500
// h1 h2` (test/support/recorded-fault-fleet.ts) go through the product's probes, parsers and
// diagnosis, then the shared pipeline into real Azurite (alert state) and the real Azure Monitor
// exporter into a local ingestion endpoint. Two sweeps: the alert opens on the second.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimerHandler } from '../../functions/sweep-timer.js';
import { TableAlertStore } from '../../shared/alerts/table-alert-store.js';
import { runCli } from '../../shared/cli/run-cli.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { telemetryFromSettings } from '../../shared/pipeline/telemetry-from-settings.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { AGENT_PROBES } from '../../shared/sweep/default-probes.js';
import { DIMENSIONS, EVENT_ATTRIBUTES, EVENTS, METRICS } from '../../shared/telemetry/names.js';
import type { TelemetrySink } from '../../shared/telemetry/telemetry-sink.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { type CaptureEndpoint, plainHttpClient, startCaptureEndpoint } from '../support/capture-endpoint.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';
import { recordedFaultFleet } from '../support/recorded-fault-fleet.js';

/** The timer with no sweep queue configured sweeps the config's one environment itself. */
async function sweepOnce(...args: Parameters<typeof sweepTimerHandler>) {
  const outcome = await sweepTimerHandler(...args);
  expect(outcome.reports).toHaveLength(1);
  return outcome.reports[0]!;
}

const fixedToken = fixedTokenCredential('test-token-not-a-secret');
const CONFIG = {
  hosts: [1, 2, 3].map((n) => ({
    name: `h${n}`,
    underlayIp: `198.18.0.${10 + n}`,
    docker: { endpoint: `unix:///run/tw-fault-pipeline-h${n}.sock` },
  })),
  sweep: { deadlineMs: 8000 },
};
// The agents' SA read is not replayed: diagnosis of a blocked port rests on the data plane and IKE.
const probes = {
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: AGENT_PROBES,
  clientFor: recordedFaultFleet({ udp4500BlockedBetween: ['h1', 'h2'] }),
};

type Envelope = ReturnType<CaptureEndpoint['envelopes']>[number];
const metricRows = (all: Envelope[], name: string) =>
  all.filter((e) => e.data.baseType === 'MetricData' && e.data.baseData.metrics?.[0]?.name === name);
const alertEvents = (all: Envelope[]) =>
  all
    .filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === EVENTS.alert)
    .map((e) => e.data.baseData.properties ?? {});

let guard: ReturnType<typeof guardLoopbackOnly>;
beforeAll(() => {
  guard = guardLoopbackOnly();
});
afterAll(() => guard?.restore());

/** What both pipelines must have produced from two sweeps of the fault. */
function expectFaultOutcome(
  reports: SweepReport[],
  rows: Awaited<ReturnType<TableAlertStore['list']>>,
  all: Envelope[],
) {
  for (const report of reports) {
    const byPair = Object.fromEntries(
      report.verdicts.map((v) => [`${v.from}>${v.to}`, `${v.state}/${v.cause}`]),
    );
    expect(byPair).toEqual({
      'h1>h2': 'down/udp-4500-blocked',
      'h2>h1': 'down/udp-4500-blocked',
      'h1>h3': 'up/ok',
      'h3>h1': 'up/ok',
      'h2>h3': 'up/ok',
      'h3>h2': 'up/ok',
    });
    expect(report.status).toBe('down');
  }
  // Alert state in Table Storage: only the broken pair, open since the second sweep, with its cause.
  expect(rows.map((r) => [`${r.state.pair.a}~${r.state.pair.b}`, r.state.status, r.state.cause])).toEqual([
    ['h1~h2', 'open', 'udp-4500-blocked'],
  ]);
  expect(rows[0]!.state.advice).toMatch(/4500/);
  // Telemetry: one opened alert for the pair, the open-alert row, and the broken paths' own series.
  expect(alertEvents(all).map((p) => [p[EVENT_ATTRIBUTES.alertAction], p[EVENT_ATTRIBUTES.cause]])).toEqual([
    ['opened', 'udp-4500-blocked'],
  ]);
  expect(
    metricRows(all, METRICS.alertsOpen.name).map((e) => e.data.baseData.properties?.[DIMENSIONS.cause]),
  ).toEqual(['udp-4500-blocked']);
  const brokenUp = metricRows(all, METRICS.pathUp.name).filter(
    (e) =>
      e.data.baseData.properties?.[DIMENSIONS.source] === 'h1' &&
      e.data.baseData.properties?.[DIMENSIONS.destination] === 'h2' &&
      e.data.baseData.properties?.[DIMENSIONS.probe] === 'overlay-icmp',
  );
  expect(
    brokenUp.map((e) => [
      e.data.baseData.metrics?.[0]?.value,
      e.data.baseData.properties?.[DIMENSIONS.cause],
    ]),
  ).toEqual([
    [0, 'udp-4500-blocked'],
    [0, 'udp-4500-blocked'],
  ]);
  const ike4500 = metricRows(all, METRICS.ikeReachable.name).filter(
    (e) =>
      e.data.baseData.properties?.[DIMENSIONS.probe] === 'ike-udp4500' &&
      e.data.baseData.properties?.[DIMENSIONS.cause] === 'udp-4500-blocked',
  );
  expect(ike4500.length).toBeGreaterThan(0);
  for (const e of ike4500) expect(e.data.baseData.metrics?.[0]?.value).toBe(0);
}

describe('the timer Function, fed a blocked UDP 4500 between h1 and h2', () => {
  let azurite: Azurite;
  let endpoint: CaptureEndpoint;
  let sink: TelemetrySink | null;
  const reports: SweepReport[] = [];
  const timer: Timer = {
    isPastDue: false,
    schedule: { adjustForDST: true },
    scheduleStatus: { last: '', next: '', lastUpdated: '' },
  };

  beforeAll(async () => {
    [azurite, endpoint] = await Promise.all([startAzuriteTable(), startCaptureEndpoint()]);
    const env = {
      TUNNELWATCH_CONFIG: JSON.stringify(CONFIG),
      TUNNELWATCH_STATE_TABLE_ENDPOINT: azurite.connectionString,
      APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
        'Authorization=AAD;ClientId=00000000-0000-0000-0000-00000000000a',
    };
    sink = telemetryFromSettings(env, { credential: fixedToken, httpClient: plainHttpClient() }).sink;
    for (let i = 0; i < 2; i++) {
      const context = new InvocationContext({
        functionName: 'sweep',
        invocationId: `fault-${i}`,
        logHandler: () => {},
      });
      reports.push(await sweepOnce(timer, context, { env, telemetry: sink, ...probes }));
    }
    await sink?.shutdown();
  });
  afterAll(async () => {
    await endpoint?.close();
    await azurite?.stop();
  });

  it('diagnoses udp-4500-blocked, opens one alert in Table Storage and exports it', async () => {
    const rows = await TableAlertStore.create({ connectionString: azurite.connectionString }).list();
    expectFaultOutcome(reports, rows, endpoint.envelopes());
  });
});

describe('tunnelwatch sweep, fed the same fault', () => {
  let azurite: Azurite;
  let endpoint: CaptureEndpoint;
  const reports: SweepReport[] = [];
  const codes: number[] = [];

  beforeAll(async () => {
    [azurite, endpoint] = await Promise.all([startAzuriteTable(), startCaptureEndpoint()]);
    const dir = await mkdtemp(join(tmpdir(), 'tw-fault-pipeline-'));
    const configPath = join(dir, 'tunnelwatch.json');
    await writeFile(configPath, JSON.stringify(CONFIG));
    for (let i = 0; i < 2; i++) {
      let stdout = '';
      codes.push(
        await runCli(
          [
            'sweep',
            '--json',
            '--config',
            configPath,
            '--alert-state',
            'env:TW_TABLES',
            '--export',
            'env:TW_EXPORT',
            '--entra',
          ],
          {
            stdout: { write: (t: string) => (stdout += t) },
            stderr: { write: () => {} },
            env: { TW_TABLES: azurite.connectionString, TW_EXPORT: endpoint.connectionString },
          },
          { ...probes, credential: fixedToken, telemetryHttpClient: plainHttpClient() },
        ),
      );
      reports.push(JSON.parse(stdout) as SweepReport);
    }
  });
  afterAll(async () => {
    await endpoint?.close();
    await azurite?.stop();
  });

  it('exits 2 (down) and leaves the same alert state and telemetry as the Function', async () => {
    expect(codes).toEqual([2, 2]);
    const rows = await TableAlertStore.create({ connectionString: azurite.connectionString }).list();
    expectFaultOutcome(reports, rows, endpoint.envelopes());
  });

  it('sent nothing anywhere but loopback', () => {
    expect(guard.blocked).toEqual([]);
  });
});
