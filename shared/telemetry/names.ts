/**
 * Every telemetry name tunnelwatch emits, defined once. KQL in infra/kql/ may only mention these
 * (a test cross-checks), and docs/telemetry.md documents them. Names are OpenTelemetry style;
 * like causes, they are never renamed, only added, because alert rules and workbooks query them.
 */

/** Dimensions (metric attributes). At most 6 on any metric: Azure Monitor allows 10. */
export const DIMENSIONS = {
  /** On every record: the environment (overlay) swept; "default" for a config without environments. */
  environment: 'tunnelwatch.environment',
  source: 'tunnelwatch.source.host',
  /** A host name, or ALL_DESTINATIONS on a per-source aggregate of healthy paths. */
  destination: 'tunnelwatch.destination.host',
  probe: 'tunnelwatch.probe',
  cause: 'tunnelwatch.cause',
  /** Only on tunnelwatch.alerts.open. */
  alertId: 'tunnelwatch.alert.id',
} as const;
export type DimensionName = (typeof DIMENSIONS)[keyof typeof DIMENSIONS];

/** Destination value of a record that aggregates every healthy path of one source host. */
export const ALL_DESTINATIONS = '*';

/**
 * Environment of the dead-man alert's row for the monitor as a whole (no environment sweeps); no
 * environment can be named so (shared/domain/environment-name.ts).
 */
export const ALL_ENVIRONMENTS = '*';

export type InstrumentKind = 'histogram' | 'gauge' | 'counter';

export interface MetricDefinition {
  name: string;
  kind: InstrumentKind;
  unit: string;
  description: string;
}

function metric(name: string, kind: InstrumentKind, unit: string, description: string): MetricDefinition {
  return { name, kind, unit, description };
}

/**
 * Histograms arrive in Azure Monitor as one row per series and export with Sum/ItemCount/Min/Max,
 * which is what lets one row carry a whole source host's healthy paths.
 */
export const METRICS = {
  pathRtt: metric(
    'tunnelwatch.path.rtt',
    'histogram',
    'ms',
    'Average ICMP round-trip time of a path (overlay or underlay).',
  ),
  pathLossRatio: metric(
    'tunnelwatch.path.loss_ratio',
    'histogram',
    '1',
    'Share of ICMP echoes lost on a path, 0..1.',
  ),
  pathUp: metric(
    'tunnelwatch.path.up',
    'histogram',
    '1',
    '1 when a path answered at all, 0 when it did not.',
  ),
  ikeRtt: metric(
    'tunnelwatch.ike.rtt',
    'histogram',
    'ms',
    'Round-trip time of an IKE_SA_INIT probe to UDP 500 or 4500.',
  ),
  ikeReachable: metric(
    'tunnelwatch.ike.reachable',
    'histogram',
    '1',
    '1 when the IKE port answered, 0 when it did not.',
  ),
  ipsecSaEstablished: metric(
    'tunnelwatch.ipsec.sa_established',
    'histogram',
    '1',
    '1 when the source agent has an ESTABLISHED IKE SA with an INSTALLED child SA to the peer.',
  ),
  pathPmtu: metric(
    'tunnelwatch.path.pmtu',
    'histogram',
    'By',
    'Largest overlay packet (IP total length) that passed the MTU ladder on a path; absent when none did.',
  ),
  sweepDuration: metric('tunnelwatch.sweep.duration', 'histogram', 'ms', 'Wall time of one sweep.'),
  hostsConfigured: metric('tunnelwatch.hosts.configured', 'gauge', '{host}', 'Hosts in the config.'),
  hostsSeen: metric('tunnelwatch.hosts.seen', 'gauge', '{host}', 'Hosts whose Docker API answered.'),
  agentsSeen: metric(
    'tunnelwatch.agents.seen',
    'gauge',
    '{agent}',
    'Hosts on which exactly one Network Agent was found.',
  ),
  heartbeat: metric(
    'tunnelwatch.heartbeat',
    'counter',
    '{sweep}',
    'One per finished sweep; the dead-man alert watches it.',
  ),
  alertsOpen: metric(
    'tunnelwatch.alerts.open',
    'gauge',
    '{alert}',
    'One row per open alert per sweep, value 1.',
  ),
} as const;
export type MetricKey = keyof typeof METRICS;

/** Events land in Application Insights customEvents / AppEvents with Name = the event name. */
export const EVENTS = {
  alert: 'tunnelwatch.alert',
  verdictChanged: 'tunnelwatch.verdict.changed',
} as const;
export type EventName = (typeof EVENTS)[keyof typeof EVENTS];

/** Properties of the events (customDimensions / Properties). */
export const EVENT_ATTRIBUTES = {
  environment: DIMENSIONS.environment,
  source: DIMENSIONS.source,
  destination: DIMENSIONS.destination,
  cause: DIMENSIONS.cause,
  alertId: DIMENSIONS.alertId,
  /** 'opened' | 'resolved' */
  alertAction: 'tunnelwatch.alert.action',
  /** Why a resolved alert resolved: 'healed' | 'host-removed'. */
  alertReason: 'tunnelwatch.alert.reason',
  openedAt: 'tunnelwatch.alert.opened_at',
  resolvedAt: 'tunnelwatch.alert.resolved_at',
  advice: 'tunnelwatch.advice',
  /** JSON array of short phrases. */
  evidence: 'tunnelwatch.evidence',
  state: 'tunnelwatch.state',
  previousState: 'tunnelwatch.previous.state',
  previousCause: 'tunnelwatch.previous.cause',
  latent: 'tunnelwatch.latent',
  sweepStartedAt: 'tunnelwatch.sweep.started_at',
} as const;

/** Scheduled query alert rules; each has infra/kql/<name>.kql. */
export const ALERT_RULES = {
  pathDown: 'alert-path-down',
  heartbeatMissing: 'alert-heartbeat-missing',
  sustainedLoss: 'alert-sustained-loss',
} as const;

/** Meter / logger scope name. */
export const INSTRUMENTATION_SCOPE = 'tunnelwatch';

/** Every `tunnelwatch.*` string a query may mention. */
export const ALL_TELEMETRY_NAMES: ReadonlySet<string> = new Set<string>([
  ...Object.values(DIMENSIONS),
  ...Object.values(METRICS).map((m) => m.name),
  ...Object.values(EVENTS),
  ...Object.values(EVENT_ATTRIBUTES),
]);
