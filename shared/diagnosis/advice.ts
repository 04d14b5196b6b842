import type { Cause } from '../domain/cause.js';
import type { HostName } from '../domain/host-name.js';
import type { AgentLayout, Direction, RegistrationAddresses } from '../domain/sweep-report.js';

export interface AdviceSubject {
  from: HostName;
  to: HostName;
  /** The host the cause sits on, when diagnosis could tell (agent or Docker problems, a dead IKE daemon). */
  host?: HostName;
  /** agent-ip-misconfigured: the registered and the real address, when discovery or the peers told. */
  registration?: RegistrationAddresses;
  /** Which way traffic is dropped, when diagnosis could tell. */
  direction?: Direction;
  /** mtu-blackhole: the largest overlay packet that passes. */
  pmtu?: number;
  /** The agent layout discovery recognised on each host, so the advice names the container to act on. */
  layouts?: Partial<Record<HostName, AgentLayout>>;
}

/** What an operator calls the IPsec agent container of a layout. */
export function agentName(layout: AgentLayout | undefined): string {
  if (layout === 'rancher-1.6') return 'ipsec router (the ipsec stack)';
  if (layout === 'rancher-1.1') return 'Network Agent';
  return 'IPsec agent';
}

/** "from h1 to h2" for the dropped direction; both ways when unknown. */
function dropped(s: AdviceSubject): string {
  if (s.direction === 'forward') return `from ${s.from} to ${s.to}`;
  if (s.direction === 'reverse') return `from ${s.to} to ${s.from}`;
  if (s.direction === 'both') return `in both directions between ${s.from} and ${s.to}`;
  return `between ${s.from} and ${s.to}`;
}

/** One sentence per cause that an operator can act on; the pair's names filled in. */
export function adviceFor(cause: Cause, s: AdviceSubject): string {
  const pair = `${s.from} and ${s.to}`;
  const host = s.host ?? s.to;
  const agentOn = (h: HostName) => agentName(s.layouts?.[h]);
  switch (cause) {
    case 'ok':
      return 'No action needed.';
    case 'packet-loss':
      return `Packets between ${pair} are being lost: check the underlay links, NICs and firewalls on the path for drops or rate limits.`;
    case 'overlay-unreachable':
      return `The overlay path ${s.from}→${s.to} is broken: check the IPsec agents' tunnels on both hosts and the hosts' firewalls.`;
    case 'tunnel-down':
      return `The IKE ports of ${pair} answer but no working IPsec tunnel exists: restart the ${agentOn(s.to)} on ${s.to} (or the ${agentOn(s.from)} on ${s.from}) so the tunnel is negotiated again.`;
    case 'udp-500-blocked':
      return `Allow UDP 500 in both directions between ${pair} (security groups, NSGs, host firewalls): without it the tunnel cannot be negotiated again.`;
    case 'udp-4500-blocked':
      return `Allow UDP 4500 ${s.direction ? dropped(s) : `in both directions between ${pair}`}: IPsec traffic (ESP in UDP) and IKE after NAT detection use it.`;
    case 'udp-500-4500-blocked':
      return `Allow UDP 500 and UDP 4500 in both directions between ${pair}: IPsec cannot negotiate or carry traffic without them.`;
    case 'underlay-unreachable':
      return `${s.to} cannot be reached from ${s.from} on the host network at all: check routing, the VNet/subnet and whether the host is up.`;
    case 'ike-negotiation-failed':
      return `IKE between ${pair} answers but never establishes: compare the agents' pre-shared keys, proposals and identities, and read charon's log on both.`;
    case 'agent-missing':
      return `Start the ${agentOn(host)} on ${host} (no container labelled as the agent was found there).`;
    case 'agent-down':
      return `Restart the ${agentOn(host)} on ${host}: its container or its IKE daemon (charon) is not running.`;
    case 'agent-ip-misconfigured': {
      const r = s.registration;
      if (!r)
        return `Re-register the Rancher agent on ${host} with the host's internal (underlay) IP address in CATTLE_AGENT_IP instead of the address it is registered with now.`;
      const now = r.registered ? `registered as ${r.registered}` : 'registered with an auto-detected address';
      return `Re-register the Rancher agent on ${host} as ${r.real} (run rancher/agent with -e CATTLE_AGENT_IP=${r.real}; it is ${now}, which its peers dial).`;
    }
    case 'docker-unreachable':
      return `Check that tunnelwatch can reach the Docker API of ${host} (endpoint, TLS certificates, firewall, daemon running).`;
    case 'mtu-blackhole':
      return `Overlay packets larger than ${s.pmtu ?? 'the largest probe that passed'} bytes are silently dropped ${dropped(s)}: set the overlay (container) MTU to ${s.pmtu ?? 'that size'} or less, or fix the underlay path MTU so ESP-in-UDP datagrams are not dropped.`;
    case 'esp-blocked':
      return `A firewall passes IKE but drops ESP-in-UDP ${dropped(s)}: allow all of UDP 4500 (ESP-in-UDP as well as IKE), since the agents and their tunnels are healthy.`;
    case 'tunnel-stale':
      return `The IPsec SAs of ${pair} do not match (one side kept SAs the other forgot): restart the ${agentOn(host)} on ${host} so both sides negotiate the tunnel afresh.`;
    case 'tunnel-missing':
      return `${host} has neither an IPsec SA nor a configured connection for ${host === s.from ? s.to : s.from}: the mesh is partial; restart the ${agentOn(host)} on ${host} (Rancher re-renders its ipsec config) and check that both hosts are active in the environment.`;
    case 'unknown':
      return `Not enough evidence to name a cause for ${s.from}→${s.to}: check the host findings and rerun the sweep.`;
  }
}
