/**
 * Stable, kebab-case causes. They appear in the JSON report, telemetry dimensions, alert ids and
 * KQL, so a cause is never renamed, only added.
 */
export const CAUSES = [
  'ok',
  'packet-loss',
  'overlay-unreachable',
  'tunnel-down',
  'udp-500-blocked',
  'udp-4500-blocked',
  'udp-500-4500-blocked',
  'underlay-unreachable',
  'ike-negotiation-failed',
  'agent-missing',
  'agent-down',
  'agent-ip-misconfigured',
  'docker-unreachable',
  'unknown',
  'mtu-blackhole',
  'esp-blocked',
  'tunnel-stale',
  'tunnel-missing',
] as const;
export type Cause = (typeof CAUSES)[number];
