import type { HostName } from '../domain/host-name.js';
import { type Ipv4, parseIpv4 } from '../domain/ipv4.js';
import type { HostFinding } from '../domain/sweep-report.js';

export interface AgentAddressInput {
  host: HostName;
  /** What the agent tells its peers to connect to (CATTLE_AGENT_IP-style env), when discovery found it. */
  advertisedIp: Ipv4 | null | undefined;
  /** The host's underlay address from the config, when given. */
  underlayIp: Ipv4 | null | undefined;
  /** The Docker endpoint tunnelwatch reaches the host at; its host part counts when it is an IPv4 address. */
  dockerEndpoint: { scheme: string; host?: string };
}

export type ExpectedAddress = { ip: Ipv4; basis: 'config underlayIp' | 'Docker endpoint' } | null;

/**
 * The address the agent should advertise: the configured underlay IP, else the IPv4 address of a
 * tcp:// or ssh:// Docker endpoint. A unix socket or a DNS name gives no expectation.
 */
export function expectedAgentAddress(
  input: Pick<AgentAddressInput, 'underlayIp' | 'dockerEndpoint'>,
): ExpectedAddress {
  if (input.underlayIp) return { ip: input.underlayIp, basis: 'config underlayIp' };
  const { scheme, host } = input.dockerEndpoint;
  const ip = (scheme === 'tcp' || scheme === 'ssh') && host ? parseIpv4(host) : null;
  return ip ? { ip, basis: 'Docker endpoint' } : null;
}

/**
 * Flags an agent registered under an address that is not its host's underlay address (a NAT'd
 * public IP, another host's IP, a stale address): peers then build tunnels to the wrong place.
 * With either side unknown there is nothing to compare, and no finding: absence of evidence is not
 * a misconfiguration (docs/probes.md).
 */
export function checkAgentAddress(input: AgentAddressInput): HostFinding | null {
  const expected = expectedAgentAddress(input);
  if (!input.advertisedIp || !expected || input.advertisedIp === expected.ip) return null;
  return misregistrationFinding(input.host, {
    registered: input.advertisedIp,
    real: expected.ip,
    realBasis: expected.basis,
    dialedByPeers: [],
  });
}

export interface Misregistration {
  registered: Ipv4 | null;
  real: Ipv4;
  realBasis: string;
  dialedByPeers: Ipv4[];
}

/** The finding names the registered address, the host's real one, what peers dial, and the fix. */
export function misregistrationFinding(host: HostName, m: Misregistration): HostFinding {
  const registered = m.registered
    ? `registered with Rancher as ${m.registered} (CATTLE_AGENT_IP)`
    : 'registered with an address Rancher auto-detected (no CATTLE_AGENT_IP)';
  const dialed =
    m.dialedByPeers.length > 0 ? `; its peers' strongSwan dials ${m.dialedByPeers.join(', ')}` : '';
  return {
    code: 'agent-ip-misconfigured',
    message:
      `${host} is ${registered} but its address is ${m.real} (from the ${m.realBasis})${dialed}; ` +
      `re-register the host with CATTLE_AGENT_IP=${m.real}`,
    addresses: { registered: m.registered, real: m.real, dialedByPeers: m.dialedByPeers },
  };
}
