import type { HostName } from '../domain/host-name.js';
import type { HostResult } from '../domain/sweep-report.js';
import type { PeerTarget } from '../probes/agent-probe.js';

/**
 * Every other host as a probe target, or only the sampled ones when the sweep samples peers
 * (peer-sampling.ts). The underlay address is what peers really use: the agent's advertised IP when
 * it has one, else the host's configured underlay IP.
 */
export function peerTargets(
  self: HostResult,
  hosts: readonly HostResult[],
  sampled?: ReadonlySet<HostName>,
): PeerTarget[] {
  return hosts
    .filter((h) => h.name !== self.name && (sampled === undefined || sampled.has(h.name)))
    .map((h) => ({
      name: h.name,
      overlayIp: h.agent?.overlayIp ?? null,
      underlayIp: h.agent?.advertisedIp ?? h.underlayIp ?? null,
    }));
}
