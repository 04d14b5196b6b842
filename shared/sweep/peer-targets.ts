import type { HostResult } from '../domain/sweep-report.js';
import type { PeerTarget } from '../probes/agent-probe.js';

/**
 * Every other host as a probe target. The underlay address is what peers really use: the agent's
 * advertised IP when it has one, else the host's configured underlay IP.
 */
export function peerTargets(self: HostResult, hosts: readonly HostResult[]): PeerTarget[] {
  return hosts
    .filter((h) => h.name !== self.name)
    .map((h) => ({
      name: h.name,
      overlayIp: h.agent?.overlayIp ?? null,
      underlayIp: h.agent?.advertisedIp ?? h.underlayIp ?? null,
    }));
}
