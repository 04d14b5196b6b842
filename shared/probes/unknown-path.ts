import type { HostName } from '../domain/host-name.js';
import type { Ipv4 } from '../domain/ipv4.js';
import type { ProbeKind } from '../domain/probe-kind.js';
import type { PathResult } from '../domain/sweep-report.js';

/** The result of any probe that could not measure a path: `unknown`, nothing sent, and why. */
export function unknownPath(
  from: HostName,
  to: HostName,
  probe: ProbeKind,
  target: Ipv4 | null,
  error: string,
): PathResult {
  // Two literals, not a conditional spread: each keeps one V8 map for every unknown path.
  return target
    ? { from, to, probe, target, state: 'unknown', sent: 0, received: 0, lossRatio: 0, rttMs: null, error }
    : { from, to, probe, state: 'unknown', sent: 0, received: 0, lossRatio: 0, rttMs: null, error };
}
