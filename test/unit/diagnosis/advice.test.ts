import { describe, expect, it } from 'vitest';
import { type AdviceSubject, adviceFor, agentName } from '../../../shared/diagnosis/advice.js';
import { CAUSES, type Cause } from '../../../shared/domain/cause.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';

// What an operator is told to do, cause by cause: the action and the host or direction it names.
const h1 = 'h1' as HostName;
const h2 = 'h2' as HostName;
const pair: AdviceSubject = { from: h1, to: h2 };

const EXPECTED: Record<Cause, string> = {
  ok: 'No action needed.',
  'packet-loss':
    'Packets between h1 and h2 are being lost: check the underlay links, NICs and firewalls on the path for drops or rate limits.',
  'overlay-unreachable':
    "The overlay path h1→h2 is broken: check the IPsec agents' tunnels on both hosts and the hosts' firewalls.",
  'tunnel-down':
    'The IKE ports of h1 and h2 answer but no working IPsec tunnel exists: restart the IPsec agent on h2 (or the IPsec agent on h1) so the tunnel is negotiated again.',
  'udp-500-blocked':
    'Allow UDP 500 in both directions between h1 and h2 (security groups, NSGs, host firewalls): without it the tunnel cannot be negotiated again.',
  'udp-4500-blocked':
    'Allow UDP 4500 in both directions between h1 and h2: IPsec traffic (ESP in UDP) and IKE after NAT detection use it.',
  'udp-500-4500-blocked':
    'Allow UDP 500 and UDP 4500 in both directions between h1 and h2: IPsec cannot negotiate or carry traffic without them.',
  'underlay-unreachable':
    'h2 cannot be reached from h1 on the host network at all: check routing, the VNet/subnet and whether the host is up.',
  'ike-negotiation-failed':
    "IKE between h1 and h2 answers but never establishes: compare the agents' pre-shared keys, proposals and identities, and read charon's log on both.",
  'agent-missing': 'Start the IPsec agent on h2 (no container labelled as the agent was found there).',
  'agent-down': 'Restart the IPsec agent on h2: its container or its IKE daemon (charon) is not running.',
  'agent-ip-misconfigured':
    "Re-register the Rancher agent on h2 with the host's internal (underlay) IP address in CATTLE_AGENT_IP instead of the address it is registered with now.",
  'docker-unreachable':
    'Check that tunnelwatch can reach the Docker API of h2 (endpoint, TLS certificates, firewall, daemon running).',
  'mtu-blackhole':
    'Overlay packets larger than the largest probe that passed bytes are silently dropped between h1 and h2: set the overlay (container) MTU to that size or less, or fix the underlay path MTU so ESP-in-UDP datagrams are not dropped.',
  'esp-blocked':
    'A firewall passes IKE but drops ESP-in-UDP between h1 and h2: allow all of UDP 4500 (ESP-in-UDP as well as IKE), since the agents and their tunnels are healthy.',
  'tunnel-stale':
    'The IPsec SAs of h1 and h2 do not match (one side kept SAs the other forgot): restart the IPsec agent on h2 so both sides negotiate the tunnel afresh.',
  'tunnel-missing':
    'h2 has neither an IPsec SA nor a configured connection for h1: the mesh is partial; restart the IPsec agent on h2 (Rancher re-renders its ipsec config) and check that both hosts are active in the environment.',
  unknown: 'Not enough evidence to name a cause for h1→h2: check the host findings and rerun the sweep.',
};

describe('adviceFor', () => {
  it.each(CAUSES.map((c) => [c]))('%s: one sentence naming the pair or host', (cause) => {
    expect(adviceFor(cause, pair)).toBe(EXPECTED[cause]);
  });

  it('says something different for every cause', () => {
    const all = CAUSES.map((c) => adviceFor(c, pair));
    expect(new Set(all).size).toBe(all.length);
  });

  it('names the host the cause sits on when diagnosis knows it, else the destination', () => {
    for (const cause of ['agent-missing', 'agent-down', 'docker-unreachable'] as const) {
      expect(adviceFor(cause, { ...pair, host: h1 })).toContain(' h1');
      expect(adviceFor(cause, { ...pair, host: h1 })).not.toContain('h2');
    }
    expect(adviceFor('tunnel-stale', { ...pair, host: h1 })).toContain('restart the IPsec agent on h1 so');
    // tunnel-missing names the other host as the peer it lacks.
    expect(adviceFor('tunnel-missing', { ...pair, host: h1 })).toMatch(/^h1 has neither .* for h2:/);
  });

  it('names the dropped direction where diagnosis knows it', () => {
    const dir = (direction: AdviceSubject['direction']) => ({ ...pair, ...(direction ? { direction } : {}) });
    expect(adviceFor('udp-4500-blocked', dir('forward'))).toContain('Allow UDP 4500 from h1 to h2:');
    expect(adviceFor('udp-4500-blocked', dir('reverse'))).toContain('Allow UDP 4500 from h2 to h1:');
    expect(adviceFor('udp-4500-blocked', dir('both'))).toContain(
      'Allow UDP 4500 in both directions between h1 and h2:',
    );
    expect(adviceFor('esp-blocked', dir('forward'))).toContain('drops ESP-in-UDP from h1 to h2:');
    expect(adviceFor('esp-blocked', dir('both'))).toContain(
      'drops ESP-in-UDP in both directions between h1 and h2:',
    );
    expect(adviceFor('mtu-blackhole', { ...dir('reverse'), pmtu: 1300 })).toBe(
      'Overlay packets larger than 1300 bytes are silently dropped from h2 to h1: set the overlay (container) MTU to 1300 or less, or fix the underlay path MTU so ESP-in-UDP datagrams are not dropped.',
    );
  });

  it('tells how to re-register a misregistered host with the addresses discovery found', () => {
    const registration = (registered: string | null) => ({
      ...pair,
      registration: { registered: registered as Ipv4 | null, real: '198.18.0.12' as Ipv4, dialedByPeers: [] },
    });
    expect(adviceFor('agent-ip-misconfigured', registration('203.0.113.9'))).toBe(
      'Re-register the Rancher agent on h2 as 198.18.0.12 (run rancher/agent with -e CATTLE_AGENT_IP=198.18.0.12; it is registered as 203.0.113.9, which its peers dial).',
    );
    expect(adviceFor('agent-ip-misconfigured', registration(null))).toContain(
      'it is registered with an auto-detected address, which its peers dial',
    );
  });

  it('calls the agent what the host’s layout calls it', () => {
    expect(agentName('rancher-1.1')).toBe('Network Agent');
    expect(agentName('rancher-1.6')).toBe('ipsec router (the ipsec stack)');
    expect(agentName('custom')).toBe('IPsec agent');
    expect(agentName(undefined)).toBe('IPsec agent');
    expect(adviceFor('agent-down', { ...pair, layouts: { [h2]: 'rancher-1.1' } })).toContain(
      'Restart the Network Agent on h2',
    );
    // Only the named host's layout counts.
    expect(adviceFor('agent-down', { ...pair, layouts: { [h1]: 'rancher-1.1' } })).toContain(
      'Restart the IPsec agent on h2',
    );
  });
});
