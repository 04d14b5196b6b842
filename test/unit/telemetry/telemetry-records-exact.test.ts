import { describe, expect, it } from 'vitest';
import type { AlertOutcome } from '../../../shared/alerts/apply-alerts.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../../../shared/domain/environment-name.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { OverlayIp } from '../../../shared/domain/ipv4.js';
import type { PathResult, SweepReport, Verdict } from '../../../shared/domain/sweep-report.js';
import { ALL_DESTINATIONS, DIMENSIONS, EVENT_ATTRIBUTES, EVENTS } from '../../../shared/telemetry/names.js';
import {
  type EventRecord,
  type MetricRecord,
  toTelemetry,
} from '../../../shared/telemetry/telemetry-records.js';

// Hand-built reports with every value spelled out: what each path contributes to which series is
// what the dashboards and alert rules read, so it is pinned record by record.
const h = (n: string) => n as HostName;
const path = (over: Partial<PathResult> & Pick<PathResult, 'probe'>): PathResult => ({
  from: h('h1'),
  to: h('h2'),
  state: 'up',
  sent: 3,
  received: 3,
  lossRatio: 0,
  rttMs: { min: 1, avg: 2, max: 3 },
  ...over,
});
const verdict = (over: Partial<Verdict> = {}): Verdict => ({
  from: h('h1'),
  to: h('h2'),
  state: 'up',
  cause: 'ok',
  advice: '',
  evidence: [],
  ...over,
});
const report = (
  paths: PathResult[],
  verdicts: Verdict[] = [],
  extra: Partial<SweepReport> = {},
): SweepReport => ({
  schemaVersion: 1,
  environment: DEFAULT_ENVIRONMENT,
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1234,
  status: 'up',
  hosts: [],
  paths,
  verdicts,
  ...extra,
});
/**
 * toTelemetry, after checking that every record names the report's environment; the comparisons
 * below leave that one dimension out.
 */
function recordsOf(...args: Parameters<typeof toTelemetry>): ReturnType<typeof toTelemetry> {
  const records = toTelemetry(...args);
  const held = records.map((r) => (r.kind === 'metric' ? r.dimensions : r.attributes));
  for (const values of held) expect(values[DIMENSIONS.environment]).toBe(args[0].environment);
  // Records may share one dimensions object: strip only once all are checked.
  for (const values of held) delete values[DIMENSIONS.environment];
  return records;
}
const metrics = (records: ReturnType<typeof toTelemetry>) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');
const events = (records: ReturnType<typeof toTelemetry>) =>
  records.filter((r): r is EventRecord => r.kind === 'event');
const pathSeries = (records: ReturnType<typeof toTelemetry>) =>
  metrics(records).filter((r) => r.dimensions[DIMENSIONS.probe] !== undefined);
const aggregate = (probe: string) => ({
  [DIMENSIONS.source]: 'h1',
  [DIMENSIONS.destination]: ALL_DESTINATIONS,
  [DIMENSIONS.probe]: probe,
  [DIMENSIONS.cause]: 'ok',
});

describe('toTelemetry, record by record', () => {
  it('names the environment on every metric and event, so two overlays never share a series', () => {
    const prod = 'prod' as EnvironmentName;
    const records = toTelemetry(
      report([path({ probe: 'overlay-icmp' })], [verdict()], { environment: prod }),
      {
        open: [],
        transitions: [],
        verdictChanges: [{ verdict: verdict({ state: 'down', cause: 'tunnel-down' }), previous: null }],
      },
    );
    expect(records.length).toBeGreaterThan(5);
    for (const record of records) {
      const held = record.kind === 'metric' ? record.dimensions : record.attributes;
      expect(held[DIMENSIONS.environment]).toBe('prod');
    }
  });

  it('feeds rtt, loss and up from each ICMP path, aggregated per source while up', () => {
    const records = recordsOf(
      report([
        path({ probe: 'overlay-icmp', rttMs: { min: 1, avg: 2.5, max: 4 } }),
        path({
          probe: 'overlay-icmp',
          to: h('h3'),
          received: 2,
          lossRatio: 1 / 3,
          rttMs: { min: 1, avg: 4, max: 9 },
        }),
        path({ probe: 'underlay-icmp', rttMs: { min: 0.1, avg: 0.2, max: 0.3 } }),
      ]),
    );
    expect(pathSeries(records)).toEqual([
      { kind: 'metric', metric: 'pathRtt', values: [2.5, 4], dimensions: aggregate('overlay-icmp') },
      { kind: 'metric', metric: 'pathLossRatio', values: [0, 1 / 3], dimensions: aggregate('overlay-icmp') },
      { kind: 'metric', metric: 'pathUp', values: [1, 1], dimensions: aggregate('overlay-icmp') },
      { kind: 'metric', metric: 'pathRtt', values: [0.2], dimensions: aggregate('underlay-icmp') },
      { kind: 'metric', metric: 'pathLossRatio', values: [0], dimensions: aggregate('underlay-icmp') },
      { kind: 'metric', metric: 'pathUp', values: [1], dimensions: aggregate('underlay-icmp') },
    ]);
  });

  it('gives a path that is not up its own series named after the verdict of its direction', () => {
    const down = path({ probe: 'overlay-icmp', state: 'down', received: 0, lossRatio: 1, rttMs: null });
    const records = recordsOf(
      report(
        [
          down,
          path({
            probe: 'overlay-icmp',
            from: h('h2'),
            to: h('h1'),
            state: 'down',
            received: 0,
            lossRatio: 1,
            rttMs: null,
          }),
        ],
        [
          verdict({ state: 'down', cause: 'tunnel-down' }),
          verdict({ from: h('h2'), to: h('h1'), state: 'down', cause: 'udp-4500-blocked' }),
        ],
      ),
    );
    const own = (from: string, to: string, cause: string) => ({
      [DIMENSIONS.source]: from,
      [DIMENSIONS.destination]: to,
      [DIMENSIONS.probe]: 'overlay-icmp',
      [DIMENSIONS.cause]: cause,
    });
    // No rtt: a path that got no answer has no round-trip time, and 0 ms would be a lie.
    expect(pathSeries(records)).toEqual([
      { kind: 'metric', metric: 'pathLossRatio', values: [1], dimensions: own('h1', 'h2', 'tunnel-down') },
      { kind: 'metric', metric: 'pathUp', values: [0], dimensions: own('h1', 'h2', 'tunnel-down') },
      {
        kind: 'metric',
        metric: 'pathLossRatio',
        values: [1],
        dimensions: own('h2', 'h1', 'udp-4500-blocked'),
      },
      { kind: 'metric', metric: 'pathUp', values: [0], dimensions: own('h2', 'h1', 'udp-4500-blocked') },
    ]);
    // Without a verdict for the direction the series still exists, with cause "unknown".
    expect(pathSeries(recordsOf(report([down])))[0]?.dimensions[DIMENSIONS.cause]).toBe('unknown');
  });

  it('counts a degraded ICMP path that still got answers as up, and skips an unmeasured one', () => {
    const lossy = path({ probe: 'overlay-icmp', state: 'degraded', received: 1, lossRatio: 2 / 3 });
    expect(pathSeries(recordsOf(report([lossy]))).find((r) => r.metric === 'pathUp')?.values).toEqual([1]);
    const unmeasured = path({
      probe: 'underlay-icmp',
      state: 'unknown',
      received: 0,
      lossRatio: 0,
      rttMs: null,
    });
    expect(pathSeries(recordsOf(report([unmeasured])))).toEqual([]);
  });

  it('reads IKE reachability from the probe outcome, or from the state when there is no detail', () => {
    const ike = (over: Partial<PathResult>) =>
      pathSeries(recordsOf(report([path({ probe: 'ike-udp500', ...over })])));
    expect(ike({ ike: { outcome: 'answered', response: 'INVALID_KE_PAYLOAD' } })).toEqual([
      { kind: 'metric', metric: 'ikeRtt', values: [2], dimensions: aggregate('ike-udp500') },
      { kind: 'metric', metric: 'ikeReachable', values: [1], dimensions: aggregate('ike-udp500') },
    ]);
    const timedOut = ike({ probe: 'ike-udp4500', state: 'down', rttMs: null, ike: { outcome: 'timeout' } });
    expect(timedOut.map((r) => [r.metric, r.values])).toEqual([['ikeReachable', [0]]]);
    expect(ike({ rttMs: null }).map((r) => [r.metric, r.values])).toEqual([['ikeReachable', [1]]]);
    expect(ike({ state: 'down', rttMs: null }).map((r) => [r.metric, r.values])).toEqual([
      ['ikeReachable', [0]],
    ]);
    // The probe could not run: nothing is known, nothing is recorded.
    expect(ike({ state: 'unknown', rttMs: null })).toEqual([]);
    // ...but an answered probe whose path is unknown still says the port answered.
    expect(ike({ state: 'unknown', rttMs: null, ike: { outcome: 'answered' } }).map((r) => r.values)).toEqual(
      [[1]],
    );
  });

  it('counts an SA as established only when the IKE SA is ESTABLISHED and its child INSTALLED', () => {
    const sa = (over: Partial<PathResult>) =>
      pathSeries(recordsOf(report([path({ probe: 'ipsec-sa', rttMs: null, ...over })]))).map((r) => [
        r.metric,
        r.values,
      ]);
    expect(sa({ sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' } })).toEqual([
      ['ipsecSaEstablished', [1]],
    ]);
    expect(sa({ state: 'down', sa: { ikeState: 'ESTABLISHED', childState: null } })).toEqual([
      ['ipsecSaEstablished', [0]],
    ]);
    expect(sa({ state: 'down', sa: { ikeState: 'CONNECTING', childState: 'INSTALLED' } })).toEqual([
      ['ipsecSaEstablished', [0]],
    ]);
    expect(sa({})).toEqual([['ipsecSaEstablished', [1]]]);
    expect(sa({ state: 'down' })).toEqual([['ipsecSaEstablished', [0]]]);
    expect(sa({ state: 'unknown' })).toEqual([]);
    expect(sa({ state: 'unknown', sa: { ikeState: null, childState: null } })).toEqual([
      ['ipsecSaEstablished', [0]],
    ]);
  });

  it('drops a value that is not a finite number rather than exporting NaN', () => {
    const broken = path({ probe: 'overlay-icmp', rttMs: { min: 1, avg: Number.NaN, max: 1 } });
    expect(pathSeries(recordsOf(report([broken]))).map((r) => r.metric)).toEqual(['pathLossRatio', 'pathUp']);
  });

  it('counts hosts configured, seen (Docker answered, state known) and with an agent', () => {
    const agent = { containerId: 'c1', overlayIp: '100.64.0.1' as OverlayIp };
    const records = recordsOf(
      report([], [], {
        hosts: [
          { name: h('h1'), state: 'up', agent },
          { name: h('h2'), state: 'down', agent: null, findings: [{ code: 'agent-missing', message: 'x' }] },
          { name: h('h3'), state: 'unknown', agent: null },
          {
            name: h('h4'),
            state: 'down',
            agent: null,
            findings: [{ code: 'docker-unreachable', message: 'x' }],
          },
          {
            name: h('h5'),
            state: 'up',
            agent,
            findings: [{ code: 'agent-ip-misconfigured', message: 'x' }],
          },
          { name: h('h6'), state: 'up', agent: null, findings: [] },
        ],
      }),
    );
    expect(metrics(records)).toEqual([
      { kind: 'metric', metric: 'sweepDuration', values: [1234], dimensions: {} },
      { kind: 'metric', metric: 'hostsConfigured', values: [6], dimensions: {} },
      { kind: 'metric', metric: 'hostsSeen', values: [4], dimensions: {} },
      { kind: 'metric', metric: 'agentsSeen', values: [2], dimensions: {} },
      { kind: 'metric', metric: 'heartbeat', values: [1], dimensions: {} },
    ]);
    expect(events(records)).toEqual([]);
  });

  const pair = { a: h('h1'), b: h('h2') };
  const outcome: AlertOutcome = {
    open: [{ alertId: 'h1~h2~T', pair, cause: 'udp-500-blocked', advice: 'Allow UDP 500.', openedAt: 'T0' }],
    transitions: [
      {
        action: 'opened',
        alertId: 'h1~h2~T',
        pair,
        cause: 'udp-500-blocked',
        advice: 'Allow UDP 500.',
        evidence: ['UDP 500: no answer'],
        openedAt: 'T0',
      },
      {
        action: 'resolved',
        alertId: 'h1~h3~S',
        pair: { a: h('h1'), b: h('h3') },
        cause: 'tunnel-down',
        advice: 'Restart.',
        evidence: [],
        openedAt: 'S0',
        resolvedAt: 'S9',
        reason: 'host-removed',
      },
      {
        action: 'resolved',
        alertId: 'h2~h3~U',
        pair: { a: h('h2'), b: h('h3') },
        cause: 'tunnel-down',
        advice: 'Restart.',
        evidence: [],
        openedAt: 'U0',
      },
    ],
    verdictChanges: [
      {
        verdict: verdict({
          state: 'down',
          cause: 'tunnel-down',
          advice: 'Restart.',
          evidence: ['no IKE SA'],
          latent: false,
        }),
        previous: { state: 'up', cause: 'ok' },
      },
      {
        verdict: verdict({
          from: h('h2'),
          to: h('h1'),
          state: 'up',
          cause: 'udp-500-blocked',
          advice: 'Allow.',
          latent: true,
        }),
        previous: null,
      },
    ],
  };

  it('puts one alertsOpen row per open alert, with its pair, cause and id', () => {
    const open = metrics(recordsOf(report([]), outcome)).filter((r) => r.metric === 'alertsOpen');
    expect(open).toEqual([
      {
        kind: 'metric',
        metric: 'alertsOpen',
        values: [1],
        dimensions: {
          [DIMENSIONS.source]: 'h1',
          [DIMENSIONS.destination]: 'h2',
          [DIMENSIONS.cause]: 'udp-500-blocked',
          [DIMENSIONS.alertId]: 'h1~h2~T',
        },
      },
    ]);
  });

  it('turns alert transitions into events an operator can read: opened is an error, resolved info', () => {
    const [opened, removed, healed] = events(recordsOf(report([]), outcome)).filter(
      (e) => e.name === EVENTS.alert,
    );
    expect(opened).toEqual({
      kind: 'event',
      name: EVENTS.alert,
      severity: 'error',
      message: 'alert h1~h2~T opened: h1 <-> h2 udp-500-blocked. Allow UDP 500.',
      attributes: {
        [EVENT_ATTRIBUTES.alertId]: 'h1~h2~T',
        [EVENT_ATTRIBUTES.alertAction]: 'opened',
        [EVENT_ATTRIBUTES.source]: 'h1',
        [EVENT_ATTRIBUTES.destination]: 'h2',
        [EVENT_ATTRIBUTES.cause]: 'udp-500-blocked',
        [EVENT_ATTRIBUTES.advice]: 'Allow UDP 500.',
        [EVENT_ATTRIBUTES.evidence]: '["UDP 500: no answer"]',
        [EVENT_ATTRIBUTES.openedAt]: 'T0',
        [EVENT_ATTRIBUTES.sweepStartedAt]: '2026-01-01T00:00:00.000Z',
      },
    });
    expect(removed).toMatchObject({
      severity: 'info',
      message: 'alert h1~h3~S resolved (host-removed): h1 <-> h3 tunnel-down',
      attributes: {
        [EVENT_ATTRIBUTES.alertAction]: 'resolved',
        [EVENT_ATTRIBUTES.resolvedAt]: 'S9',
        [EVENT_ATTRIBUTES.alertReason]: 'host-removed',
      },
    });
    expect(healed?.message).toBe('alert h2~h3~U resolved (healed): h2 <-> h3 tunnel-down');
    expect(Object.keys(healed?.attributes ?? {})).not.toContain(EVENT_ATTRIBUTES.resolvedAt);
    expect(Object.keys(healed?.attributes ?? {})).not.toContain(EVENT_ATTRIBUTES.alertReason);
  });

  it('turns verdict changes into events with the previous state when one was remembered', () => {
    const [worse, latent] = events(recordsOf(report([]), outcome)).filter(
      (e) => e.name === EVENTS.verdictChanged,
    );
    expect(worse).toEqual({
      kind: 'event',
      name: EVENTS.verdictChanged,
      severity: 'warn',
      message: 'h1 -> h2: up/ok -> down/tunnel-down. Restart.',
      attributes: {
        [EVENT_ATTRIBUTES.source]: 'h1',
        [EVENT_ATTRIBUTES.destination]: 'h2',
        [EVENT_ATTRIBUTES.state]: 'down',
        [EVENT_ATTRIBUTES.cause]: 'tunnel-down',
        [EVENT_ATTRIBUTES.advice]: 'Restart.',
        [EVENT_ATTRIBUTES.evidence]: '["no IKE SA"]',
        [EVENT_ATTRIBUTES.latent]: false,
        [EVENT_ATTRIBUTES.sweepStartedAt]: '2026-01-01T00:00:00.000Z',
        [EVENT_ATTRIBUTES.previousState]: 'up',
        [EVENT_ATTRIBUTES.previousCause]: 'ok',
      },
    });
    // A latent failure on an up path: info severity, latent true, no previous.
    expect(latent).toMatchObject({
      severity: 'info',
      message: 'h2 -> h1: unknown -> up/udp-500-blocked. Allow.',
    });
    expect(latent?.attributes[EVENT_ATTRIBUTES.latent]).toBe(true);
    expect(Object.keys(latent?.attributes ?? {})).not.toContain(EVENT_ATTRIBUTES.previousState);
    expect(Object.keys(latent?.attributes ?? {})).not.toContain(EVENT_ATTRIBUTES.previousCause);
  });
});
