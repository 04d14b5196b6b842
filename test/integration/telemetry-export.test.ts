import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertOutcome } from '../../shared/alerts/apply-alerts.js';
import { hostPair } from '../../shared/alerts/pair-key.js';
import {
  ALL_DESTINATIONS,
  DIMENSIONS,
  EVENT_ATTRIBUTES,
  EVENTS,
  METRICS,
} from '../../shared/telemetry/names.js';
import { createTelemetrySink, type TelemetrySink } from '../../shared/telemetry/telemetry-sink.js';
import {
  type CaptureEndpoint,
  type Envelope,
  plainHttpClient,
  startCaptureEndpoint,
} from '../support/capture-endpoint.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';
import { bothWays, buildReport, hostName } from '../support/sweep-report-builder.js';

const TOKEN = 'test-token-not-a-secret';
const scopesAsked: string[] = [];
const fixedToken = fixedTokenCredential(TOKEN, (scopes) => scopesAsked.push(...scopes));

let guard: ReturnType<typeof guardLoopbackOnly>;
let endpoint: CaptureEndpoint;
let sink: TelemetrySink;
const problems: string[] = [];

beforeAll(async () => {
  guard = guardLoopbackOnly();
  endpoint = await startCaptureEndpoint();
  sink = createTelemetrySink({
    connectionString: endpoint.connectionString,
    credential: fixedToken,
    httpClient: plainHttpClient(),
    offlineStorage: false,
    onError: (message) => problems.push(message),
  });
});

afterAll(async () => {
  await sink?.shutdown();
  await endpoint?.close();
  guard?.restore();
});

beforeEach(() => endpoint.clear());

const metricEnvelopes = (all: Envelope[], name: string) =>
  all.filter((e) => e.data.baseType === 'MetricData' && e.data.baseData.metrics?.[0]?.name === name);
const eventEnvelopes = (all: Envelope[], name: string) =>
  all.filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === name);

describe('telemetry through the real Azure Monitor exporter to a local ingestion endpoint', () => {
  const faulty = buildReport({ hosts: 3, faults: bothWays('h1', 'h3', 'udp-4500-blocked') });
  const pair = hostPair(hostName(1), hostName(3));
  const broken = faulty.verdicts.find((v) => v.from === 'h1' && v.to === 'h3')!;
  const outcome: AlertOutcome = {
    transitions: [
      {
        action: 'opened',
        alertId: 'h1~h3~20250101T120000000Z',
        pair,
        cause: 'udp-4500-blocked',
        advice: broken.advice,
        evidence: broken.evidence,
        openedAt: '2025-01-01T12:00:00.000Z',
      },
    ],
    verdictChanges: [],
    open: [
      {
        alertId: 'h1~h3~20250101T120000000Z',
        pair,
        cause: 'udp-4500-blocked',
        advice: broken.advice,
        openedAt: '2025-01-01T12:00:00.000Z',
      },
    ],
  };

  it('sends one envelope per record, with names, values and dimensions, and a bearer token', async () => {
    const records = sink.record(faulty, outcome);
    await sink.flush();
    const all = endpoint.envelopes();

    expect(problems).toEqual([]);
    expect(records.length).toBeGreaterThan(0);
    expect(all).toHaveLength(records.length);
    for (const request of endpoint.requests) {
      expect(request.path).toBe('/v2.1/track');
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
    expect(scopesAsked).toContain('https://monitor.azure.com/.default');

    // The broken path h1 -> h3: its own series, value 0, dimensions naming the pair and the cause.
    const down = metricEnvelopes(all, METRICS.pathUp.name).filter(
      (e) =>
        e.data.baseData.properties?.[DIMENSIONS.destination] === 'h3' &&
        e.data.baseData.properties?.[DIMENSIONS.source] === 'h1',
    );
    // Only the overlay path is down; the underlay path is up and stays in h1's aggregate.
    expect(down.map((e) => e.data.baseData.properties?.[DIMENSIONS.probe])).toEqual(['overlay-icmp']);
    const overlay = down[0];
    expect(overlay?.data.baseData.metrics?.[0]).toMatchObject({ value: 0, count: 1 });
    expect(overlay?.data.baseData.properties?.[DIMENSIONS.cause]).toBe('udp-4500-blocked');

    // IKE on UDP 4500 unreachable from h3 to h1, UDP 500 fine (aggregated with h3's healthy paths).
    const ike4500 = metricEnvelopes(all, METRICS.ikeReachable.name).find(
      (e) =>
        e.data.baseData.properties?.[DIMENSIONS.source] === 'h3' &&
        e.data.baseData.properties?.[DIMENSIONS.destination] === 'h1' &&
        e.data.baseData.properties?.[DIMENSIONS.probe] === 'ike-udp4500',
    );
    expect(ike4500?.data.baseData.metrics?.[0]).toMatchObject({ value: 0, count: 1 });

    // Healthy paths of h2: one aggregate series per probe with count = peers, min/avg/max RTT.
    const h2Rtt = metricEnvelopes(all, METRICS.pathRtt.name).find(
      (e) =>
        e.data.baseData.properties?.[DIMENSIONS.source] === 'h2' &&
        e.data.baseData.properties?.[DIMENSIONS.destination] === ALL_DESTINATIONS &&
        e.data.baseData.properties?.[DIMENSIONS.probe] === 'overlay-icmp',
    );
    const expectedRtts = faulty.paths
      .filter((p) => p.from === 'h2' && p.probe === 'overlay-icmp')
      .map((p) => p.rttMs!.avg);
    expect(h2Rtt?.data.baseData.metrics?.[0]).toMatchObject({
      count: 2,
      min: Math.min(...expectedRtts),
      max: Math.max(...expectedRtts),
    });
    expect(h2Rtt?.data.baseData.metrics?.[0]?.value).toBeCloseTo(expectedRtts[0]! + expectedRtts[1]!, 9);

    // Sweep-level figures and the heartbeat.
    expect(metricEnvelopes(all, METRICS.heartbeat.name)[0]?.data.baseData.metrics?.[0]).toMatchObject({
      value: 1,
    });
    expect(metricEnvelopes(all, METRICS.sweepDuration.name)[0]?.data.baseData.metrics?.[0]).toMatchObject({
      value: faulty.durationMs,
      count: 1,
    });
    expect(metricEnvelopes(all, METRICS.agentsSeen.name)[0]?.data.baseData.metrics?.[0]).toMatchObject({
      value: 3,
    });

    // The alert: one custom event with the pair, cause, advice and id; plus the open-alert row.
    const alerts = eventEnvelopes(all, EVENTS.alert);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.data.baseData.properties).toMatchObject({
      [EVENT_ATTRIBUTES.alertId]: 'h1~h3~20250101T120000000Z',
      [EVENT_ATTRIBUTES.alertAction]: 'opened',
      [EVENT_ATTRIBUTES.source]: 'h1',
      [EVENT_ATTRIBUTES.destination]: 'h3',
      [EVENT_ATTRIBUTES.cause]: 'udp-4500-blocked',
      [EVENT_ATTRIBUTES.advice]: expect.stringContaining('UDP 4500'),
      [EVENT_ATTRIBUTES.openedAt]: '2025-01-01T12:00:00.000Z',
    });
    const open = metricEnvelopes(all, METRICS.alertsOpen.name);
    expect(open.map((e) => e.data.baseData.properties?.[DIMENSIONS.alertId])).toEqual([
      'h1~h3~20250101T120000000Z',
    ]);
  });

  it('emits nothing from earlier sweeps again (delta metrics): a healthy sweep is small', async () => {
    const healthy = buildReport({ hosts: 3, startedAt: '2025-01-01T12:01:00.000Z' });
    const records = sink.record(healthy);
    await sink.flush();
    const all = endpoint.envelopes();
    expect(all).toHaveLength(records.length);
    // 3 sources x (3 ICMP metrics x 2 probes + 2 IKE metrics x 2 ports + SA + path MTU) + 5 sweep-level rows.
    expect(all).toHaveLength(3 * 12 + 5);
    expect(eventEnvelopes(all, EVENTS.alert)).toHaveLength(0);
    expect(
      all.some(
        (e) =>
          e.data.baseData.properties?.[DIMENSIONS.destination] &&
          e.data.baseData.properties[DIMENSIONS.destination] !== ALL_DESTINATIONS,
      ),
    ).toBe(false);
  });

  it('without alert state, every non-ok verdict becomes a verdict-change event with cause, evidence and advice', async () => {
    const report = buildReport({
      hosts: 3,
      startedAt: '2025-01-01T12:02:00.000Z',
      faults: bothWays('h2', 'h3', 'tunnel-down'),
    });
    sink.record(report);
    await sink.flush();
    const changes = eventEnvelopes(endpoint.envelopes(), EVENTS.verdictChanged);
    expect(
      changes
        .map(
          (e) =>
            `${e.data.baseData.properties?.[DIMENSIONS.source]}>${e.data.baseData.properties?.[DIMENSIONS.destination]}`,
        )
        .sort(),
    ).toEqual(['h2>h3', 'h3>h2']);
    const source = changes[0]?.data.baseData.properties?.[DIMENSIONS.source];
    const verdict = report.verdicts.find((v) => v.from === source && v.cause === 'tunnel-down')!;
    expect(changes[0]?.data.baseData.properties).toMatchObject({
      [EVENT_ATTRIBUTES.cause]: 'tunnel-down',
      [EVENT_ATTRIBUTES.state]: 'down',
      [EVENT_ATTRIBUTES.advice]: verdict.advice,
      [EVENT_ATTRIBUTES.evidence]: JSON.stringify(verdict.evidence),
    });
    expect(verdict.advice).toContain('restart the IPsec agent');
  });

  it('never sent anything but to loopback, and never logged the token or connection string', () => {
    expect(guard.blocked).toEqual([]);
    const text = problems.join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(endpoint.connectionString);
  });
});
