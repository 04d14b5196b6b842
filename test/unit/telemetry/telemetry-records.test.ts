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
import { buildReport } from '../../support/sweep-report-fixture.js';

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
  it('aggregates a healthy mesh per source host: 12 series per host plus 5 per sweep, whatever N', () => {
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

  it('never emits two records for the same metric and dimensions (one envelope each)', () => {
    const records = metricRecords(
      toTelemetry(buildReport({ hosts: 6, faults: [{ pair: [1, 2], fault: 'udp-4500-blocked' }] })),
    );
    const keys = records.map((r) => `${r.metric}|${JSON.stringify(r.dimensions)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every path that is not up its own series with destination, probe and the verdict cause', () => {
    const report = buildReport({ hosts: 3, faults: [{ pair: [1, 3], fault: 'udp-4500-blocked' }] });
    const detailed = metricRecords(toTelemetry(report)).filter(
      (r) =>
        r.dimensions[DIMENSIONS.destination] !== undefined &&
        r.dimensions[DIMENSIONS.destination] !== ALL_DESTINATIONS,
    );
    // Per direction: overlay (rtt absent, loss, up), ike 4500 (reachable), sa (established) = 4 series.
    expect(detailed).toHaveLength(8);
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
      toTelemetry(buildReport({ hosts: 3, faults: [{ pair: [1, 2], fault: 'agent-missing' }] })),
    );
    expect(records.some((r) => r.dimensions[DIMENSIONS.cause] === 'agent-missing')).toBe(false);
    for (const record of records)
      for (const value of record.values) expect(Number.isFinite(value)).toBe(true);
  });

  it('turns each verdict change into one event carrying cause, evidence and advice', () => {
    const report = buildReport({ hosts: 3, faults: [{ pair: [2, 3], fault: 'tunnel-down' }] });
    const events = toTelemetry(report, statelessOutcome(report)).filter((r) => r.kind === 'event');
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      name: EVENTS.verdictChanged,
      severity: 'warn',
      attributes: {
        [EVENT_ATTRIBUTES.cause]: 'tunnel-down',
        [EVENT_ATTRIBUTES.evidence]: JSON.stringify(['overlay ping: 3/3 lost', 'no IKE SA to the peer']),
        [EVENT_ATTRIBUTES.advice]: expect.stringContaining('Network Agent'),
      },
    });
  });
});
