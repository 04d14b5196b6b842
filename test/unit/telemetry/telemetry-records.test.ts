import { describe, expect, it } from 'vitest';
import { statelessOutcome } from '../../../shared/alerts/apply-alerts.js';
import {
  ALL_DESTINATIONS,
  DIMENSIONS,
  EVENT_ATTRIBUTES,
  EVENTS,
  METRICS,
} from '../../../shared/telemetry/names.js';
import { type MetricRecord, toTelemetry } from '../../../shared/telemetry/telemetry-records.js';
import { bothWays, buildReport } from '../../support/sweep-report-builder.js';

const metricRecords = (records: ReturnType<typeof toTelemetry>) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');

describe('names', () => {
  it('defines every metric name once, OpenTelemetry style, within the 10 dimensions Azure Monitor allows', () => {
    const names = Object.values(METRICS).map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^tunnelwatch(\.[a-z_]+)+$/);
    expect(Object.keys(DIMENSIONS).length).toBeLessThanOrEqual(10);
  });
});

describe('toTelemetry', () => {
  it('aggregates a healthy mesh per source host: 12 series per host (the MTU ladder’s path MTU among them) plus 5 per sweep, whatever N', () => {
    for (const hosts of [2, 5, 20]) {
      const records = toTelemetry(buildReport({ hosts }));
      expect(records).toHaveLength(12 * hosts + 5);
      const rtt = metricRecords(records).filter(
        (r) => r.metric === 'pathRtt' && r.dimensions[DIMENSIONS.probe] === 'overlay-icmp',
      );
      expect(rtt).toHaveLength(hosts);
      for (const record of rtt) {
        expect(record.dimensions[DIMENSIONS.destination]).toBe(ALL_DESTINATIONS);
        expect(record.values).toHaveLength(hosts - 1);
      }
    }
  });

  it('reports the path MTU a black-holed path still passes under its verdict cause, and the ceiling for healthy ones', () => {
    const report = buildReport({ hosts: 3, faults: bothWays('h1', 'h2', 'mtu-blackhole') });
    const pmtu = metricRecords(toTelemetry(report)).filter((r) => r.metric === 'pathPmtu');
    expect(METRICS.pathPmtu).toMatchObject({ name: 'tunnelwatch.path.pmtu', unit: 'By' });
    const of = (source: string, destination: string) =>
      pmtu.find(
        (r) =>
          r.dimensions[DIMENSIONS.source] === source && r.dimensions[DIMENSIONS.destination] === destination,
      );
    expect(of('h1', 'h2')).toMatchObject({
      values: [1300],
      dimensions: { [DIMENSIONS.probe]: 'overlay-mtu', [DIMENSIONS.cause]: 'mtu-blackhole' },
    });
    expect(of('h2', 'h1')?.values).toEqual([1300]);
    // h3's paths pass the whole ladder: aggregated per source, the ladder's top rung each.
    expect(of('h3', ALL_DESTINATIONS)?.values).toEqual([1400, 1400]);
  });

  it('reports no path MTU for a ladder that could not be measured', () => {
    const report = buildReport({ hosts: 2 });
    for (const p of report.paths)
      if (p.probe === 'overlay-mtu') Object.assign(p, { state: 'unknown', error: 'the exec timed out' });
    expect(metricRecords(toTelemetry(report)).filter((r) => r.metric === 'pathPmtu')).toEqual([]);
    // A path without ladder detail reports none either.
    const bare = buildReport({ hosts: 2 });
    for (const p of bare.paths) if (p.probe === 'overlay-mtu') delete p.mtu;
    expect(metricRecords(toTelemetry(bare)).filter((r) => r.metric === 'pathPmtu')).toEqual([]);
  });

  it('never emits two records for the same metric and dimensions (one envelope each)', () => {
    const records = metricRecords(
      toTelemetry(buildReport({ hosts: 6, faults: bothWays('h1', 'h2', 'udp-4500-blocked') })),
    );
    const keys = records.map((r) => `${r.metric}|${JSON.stringify(r.dimensions)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every path that is not up its own series with destination, probe and the verdict cause', () => {
    const report = buildReport({ hosts: 3, faults: bothWays('h1', 'h3', 'udp-4500-blocked') });
    const detailed = metricRecords(toTelemetry(report)).filter(
      (r) =>
        r.dimensions[DIMENSIONS.destination] !== undefined &&
        r.dimensions[DIMENSIONS.destination] !== ALL_DESTINATIONS,
    );
    // Per direction: overlay (loss, up; no RTT without replies), ike 4500 (reachable) = 3 series. The SA
    // still shows ESTABLISHED (it lags a blocked port by minutes), so it stays in the aggregate.
    expect(detailed).toHaveLength(6);
    for (const record of detailed) expect(record.dimensions[DIMENSIONS.cause]).toBe('udp-4500-blocked');
    const up = detailed.find((r) => r.metric === 'pathUp' && r.dimensions[DIMENSIONS.source] === 'h3');
    expect(up?.values).toEqual([0]);
  });

  it('with pathDetail "all" gives every path its own series (the N² option)', () => {
    const records = toTelemetry(buildReport({ hosts: 4 }), undefined, { pathDetail: 'all' });
    expect(records).toHaveLength(4 * 3 * 12 + 5);
  });

  it('skips measurements that did not happen instead of inventing numbers', () => {
    const records = metricRecords(
      toTelemetry(
        buildReport({
          hosts: 3,
          hostFindings: { h2: [{ code: 'agent-missing', message: 'no Network Agent container' }] },
        }),
      ),
    );
    expect(records.some((r) => r.dimensions[DIMENSIONS.cause] === 'agent-missing')).toBe(false);
    for (const record of records)
      for (const value of record.values) expect(Number.isFinite(value)).toBe(true);
  });

  it('turns each verdict change into one event carrying cause, evidence and advice', () => {
    const report = buildReport({ hosts: 3, faults: bothWays('h2', 'h3', 'tunnel-down') });
    const events = toTelemetry(report, statelessOutcome(report)).filter((r) => r.kind === 'event');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      name: EVENTS.verdictChanged,
      severity: 'warn',
      attributes: {
        [EVENT_ATTRIBUTES.cause]: 'tunnel-down',
        [EVENT_ATTRIBUTES.advice]: report.verdicts.find((v) => v.from === 'h2' && v.to === 'h3')!.advice,
      },
    });
    // Evidence and advice are diagnose's own words.
    const evidence = JSON.parse(String(events[0]!.attributes[EVENT_ATTRIBUTES.evidence])) as string[];
    expect(evidence).toContain('IPsec SA h2→h3: no IKE SA');
    expect(events[0]!.attributes[EVENT_ATTRIBUTES.advice]).toContain('restart the IPsec agent on h3');
  });
});
