import type { AlertOutcome } from '../alerts/apply-alerts.js';
import type { PathResult, SweepReport, Verdict } from '../domain/sweep-report.js';
import {
  ALL_DESTINATIONS,
  DIMENSIONS,
  EVENT_ATTRIBUTES,
  EVENTS,
  type EventName,
  type MetricKey,
} from './names.js';

export type Dimensions = Partial<Record<(typeof DIMENSIONS)[keyof typeof DIMENSIONS], string>>;

/** One metric time series point: becomes exactly one MetricData envelope per flush. */
export interface MetricRecord {
  kind: 'metric';
  metric: MetricKey;
  /** Every value recorded into the series this sweep (a histogram exports count/sum/min/max). */
  values: number[];
  dimensions: Dimensions;
}

/** One event: becomes exactly one EventData envelope (customEvents / AppEvents). */
export interface EventRecord {
  kind: 'event';
  name: EventName;
  /** Human-readable one-liner (kept as the log body). */
  message: string;
  severity: 'info' | 'warn' | 'error';
  attributes: Record<string, string | number | boolean>;
}

export type TelemetryRecord = MetricRecord | EventRecord;

export interface TelemetryOptions {
  /**
   * 'non-up' (default): healthy paths are aggregated per source host and probe; only paths that
   * are not up get a series per destination. 'all': every path gets its own series (N² series,
   * only sensible for small meshes).
   */
  pathDetail?: 'non-up' | 'all';
}

const EMPTY_OUTCOME: AlertOutcome = { transitions: [], verdictChanges: [], open: [] };

/** Path probes → the metrics they feed, with the value each path contributes (null: none). */
function pathValues(path: PathResult): Array<[MetricKey, number | null]> {
  switch (path.probe) {
    case 'overlay-icmp':
    case 'underlay-icmp':
      // Stryker disable next-line ArrayDeclaration: equivalent, toTelemetry keeps only finite values, so junk entries add nothing
      if (path.state === 'unknown') return []; // not measured: no number is better than a wrong one
      return [
        ['pathRtt', path.rttMs?.avg ?? null],
        ['pathLossRatio', path.lossRatio],
        ['pathUp', path.received > 0 ? 1 : 0],
      ];
    case 'ike-udp500':
    case 'ike-udp4500':
      // Stryker disable next-line ArrayDeclaration: equivalent, toTelemetry keeps only finite values, so junk entries add nothing
      if (path.state === 'unknown' && !path.ike) return [];
      return [
        ['ikeRtt', path.rttMs?.avg ?? null],
        ['ikeReachable', path.ike ? (path.ike.outcome === 'answered' ? 1 : 0) : path.state === 'up' ? 1 : 0],
      ];
    case 'ipsec-sa': {
      // Stryker disable next-line ArrayDeclaration: equivalent, toTelemetry keeps only finite values, so junk entries add nothing
      if (path.state === 'unknown' && !path.sa) return [];
      const established = path.sa
        ? path.sa.ikeState === 'ESTABLISHED' && path.sa.childState === 'INSTALLED'
        : path.state === 'up';
      return [['ipsecSaEstablished', established ? 1 : 0]];
    }
    case 'overlay-mtu':
      if (path.state === 'unknown' || !path.mtu) return [];
      return [['pathPmtu', path.mtu.pmtu]];
  }
}

function verdictIndex(verdicts: readonly Verdict[]): Map<string, Verdict> {
  return new Map(verdicts.map((v) => [`${v.from}>${v.to}`, v]));
}

/**
 * The records one sweep emits, pure so volume is countable and testable. Each record maps to one
 * envelope when the recorder flushes once per sweep (records never share metric + dimensions).
 */
export function toTelemetry(
  report: SweepReport,
  outcome: AlertOutcome = EMPTY_OUTCOME,
  options: TelemetryOptions = {},
): TelemetryRecord[] {
  const detailAll = options.pathDetail === 'all';
  const verdicts = verdictIndex(report.verdicts);
  const series = new Map<string, MetricRecord>();
  // Path dimensions always carry the same four keys, in the same order: their values name the series.
  // (A JSON.stringify per path was the costliest step of the records for a 200-host mesh.)
  const add = (metric: MetricKey, value: number, dimensions: Dimensions) => {
    const key = `${metric}|${dimensions[DIMENSIONS.source]}|${dimensions[DIMENSIONS.destination]}|${dimensions[DIMENSIONS.probe]}|${dimensions[DIMENSIONS.cause]}`;
    const existing = series.get(key);
    if (existing) existing.values.push(value);
    else series.set(key, { kind: 'metric', metric, values: [value], dimensions });
  };

  for (const path of report.paths) {
    const detailed = detailAll || path.state !== 'up';
    const dimensions: Dimensions = detailed
      ? {
          [DIMENSIONS.source]: path.from,
          [DIMENSIONS.destination]: path.to,
          [DIMENSIONS.probe]: path.probe,
          [DIMENSIONS.cause]: verdicts.get(`${path.from}>${path.to}`)?.cause ?? 'unknown',
        }
      : {
          [DIMENSIONS.source]: path.from,
          [DIMENSIONS.destination]: ALL_DESTINATIONS,
          [DIMENSIONS.probe]: path.probe,
          [DIMENSIONS.cause]: 'ok',
        };
    for (const [metric, value] of pathValues(path)) {
      // Stryker disable next-line ConditionalExpression: equivalent, Number.isFinite(null) is false; the null check is for the type
      if (value !== null && Number.isFinite(value)) add(metric, value, dimensions);
    }
  }

  const records: TelemetryRecord[] = [...series.values()];
  const hostsSeen = report.hosts.filter(
    (h) => !h.findings?.some((f) => f.code === 'docker-unreachable') && h.state !== 'unknown',
  );
  records.push(
    { kind: 'metric', metric: 'sweepDuration', values: [report.durationMs], dimensions: {} },
    { kind: 'metric', metric: 'hostsConfigured', values: [report.hosts.length], dimensions: {} },
    { kind: 'metric', metric: 'hostsSeen', values: [hostsSeen.length], dimensions: {} },
    {
      kind: 'metric',
      metric: 'agentsSeen',
      values: [report.hosts.filter((h) => h.agent !== null).length],
      dimensions: {},
    },
    { kind: 'metric', metric: 'heartbeat', values: [1], dimensions: {} },
  );

  for (const open of outcome.open) {
    records.push({
      kind: 'metric',
      metric: 'alertsOpen',
      values: [1],
      dimensions: {
        [DIMENSIONS.source]: open.pair.a,
        [DIMENSIONS.destination]: open.pair.b,
        [DIMENSIONS.cause]: open.cause,
        [DIMENSIONS.alertId]: open.alertId,
      },
    });
  }

  for (const t of outcome.transitions) {
    const attributes: EventRecord['attributes'] = {
      [EVENT_ATTRIBUTES.alertId]: t.alertId,
      [EVENT_ATTRIBUTES.alertAction]: t.action,
      [EVENT_ATTRIBUTES.source]: t.pair.a,
      [EVENT_ATTRIBUTES.destination]: t.pair.b,
      [EVENT_ATTRIBUTES.cause]: t.cause,
      [EVENT_ATTRIBUTES.advice]: t.advice,
      [EVENT_ATTRIBUTES.evidence]: JSON.stringify(t.evidence),
      [EVENT_ATTRIBUTES.openedAt]: t.openedAt,
      [EVENT_ATTRIBUTES.sweepStartedAt]: report.startedAt,
    };
    if (t.resolvedAt) attributes[EVENT_ATTRIBUTES.resolvedAt] = t.resolvedAt;
    if (t.reason) attributes[EVENT_ATTRIBUTES.alertReason] = t.reason;
    records.push({
      kind: 'event',
      name: EVENTS.alert,
      severity: t.action === 'opened' ? 'error' : 'info',
      message:
        t.action === 'opened'
          ? `alert ${t.alertId} opened: ${t.pair.a} <-> ${t.pair.b} ${t.cause}. ${t.advice}`
          : `alert ${t.alertId} resolved (${t.reason ?? 'healed'}): ${t.pair.a} <-> ${t.pair.b} ${t.cause}`,
      attributes,
    });
  }

  for (const { verdict, previous } of outcome.verdictChanges) {
    const attributes: EventRecord['attributes'] = {
      [EVENT_ATTRIBUTES.source]: verdict.from,
      [EVENT_ATTRIBUTES.destination]: verdict.to,
      [EVENT_ATTRIBUTES.state]: verdict.state,
      [EVENT_ATTRIBUTES.cause]: verdict.cause,
      [EVENT_ATTRIBUTES.advice]: verdict.advice,
      [EVENT_ATTRIBUTES.evidence]: JSON.stringify(verdict.evidence),
      [EVENT_ATTRIBUTES.latent]: verdict.latent === true,
      [EVENT_ATTRIBUTES.sweepStartedAt]: report.startedAt,
    };
    if (previous) {
      attributes[EVENT_ATTRIBUTES.previousState] = previous.state;
      attributes[EVENT_ATTRIBUTES.previousCause] = previous.cause;
    }
    records.push({
      kind: 'event',
      name: EVENTS.verdictChanged,
      severity: verdict.state === 'up' ? 'info' : 'warn',
      message: `${verdict.from} -> ${verdict.to}: ${previous ? `${previous.state}/${previous.cause}` : 'unknown'} -> ${verdict.state}/${verdict.cause}. ${verdict.advice}`,
      attributes,
    });
  }
  // Every record names its environment: series, alert rows and events of two overlays never mix.
  for (const record of records) {
    if (record.kind === 'metric') record.dimensions[DIMENSIONS.environment] = report.environment;
    else record.attributes[EVENT_ATTRIBUTES.environment] = report.environment;
  }
  return records;
}
