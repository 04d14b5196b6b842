import type { HostConfig } from '../config/tunnelwatch-config.js';
import { expectedAgentAddress, misregistrationFinding } from '../discovery/check-agent-address.js';
import type { Ipv4 } from '../domain/ipv4.js';
import type { HostResult, PathResult } from '../domain/sweep-report.js';

/**
 * Cross-checks each host's registration against what its peers' strongSwan actually dials for it
 * (remote_addrs of their connection to it, read in the same sweep). Catches a misregistration that
 * discovery alone cannot: Rancher auto-detected a wrong address (no CATTLE_AGENT_IP to compare), or
 * peers still dial an old address. The host's real address is the configured underlayIp, else the
 * Docker endpoint's IPv4 host, else where the peers' established SAs see it. Pure.
 */
export function checkRegistrations(
  hosts: readonly HostResult[],
  paths: readonly PathResult[],
  configs: ReadonlyMap<string, HostConfig>,
): HostResult[] {
  const saPathsTo = new Map<string, PathResult[]>();
  for (const p of paths) {
    if (p.probe !== 'ipsec-sa' || !p.sa) continue;
    const list = saPathsTo.get(p.to) ?? [];
    list.push(p);
    saPathsTo.set(p.to, list);
  }
  return hosts.map((host) => {
    const config = configs.get(host.name);
    if (!host.agent || !config) return host;
    const towards = saPathsTo.get(host.name) ?? [];
    const dialed = unique(towards.flatMap((p) => p.sa?.dialed ?? []));
    if (dialed.length === 0) return host;
    const expected = expectedAgentAddress({
      underlayIp: config.underlayIp,
      dockerEndpoint:
        config.docker.scheme === 'unix'
          ? { scheme: 'unix' }
          : { scheme: config.docker.scheme, host: config.docker.host },
    });
    const seen = unique(
      towards
        .filter((p) => p.sa?.ikeState === 'ESTABLISHED')
        .flatMap((p) => (p.sa?.remoteHost ? [p.sa.remoteHost] : [])),
    );
    const real = expected ?? (seen.length === 1 ? { ip: seen[0]!, basis: "peers' established SAs" } : null);
    if (!real) return host;
    const existing = host.findings?.find((f) => f.code === 'agent-ip-misconfigured');
    if (!existing && dialed.every((d) => d === real.ip)) return host;
    const finding = misregistrationFinding(host.name, {
      registered: host.agent.advertisedIp ?? null,
      real: real.ip,
      realBasis: real.basis,
      dialedByPeers: dialed,
    });
    const findings = [...(host.findings ?? []).filter((f) => f !== existing), finding];
    return { ...host, findings, error: findings.map((f) => f.message).join('; ') };
  });
}

function unique(ips: readonly Ipv4[]): Ipv4[] {
  return [...new Set(ips)].sort();
}
