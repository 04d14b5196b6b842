// The simulated fleet's world, as data: N hosts with their addresses and agents, the faults chosen
// for this run, and the network model that decides which packets arrive. Everything the fake Docker
// daemons answer is derived from this, so a test states its faults once and knows what must follow.
import { createHash } from 'node:crypto';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { Fault } from '../../lab/fault-kind.js';

export type { Fault };

/** What `wrong-agent-ip` advertises (as in the lab): inside the underlay range, owned by no host. */
export const FLEET_WRONG_AGENT_IP = '198.18.0.250' as Ipv4;
export const FLEET_AGENT_LABEL = 'io.rancher.container.system=NetworkAgent';
export const FLEET_OVERLAY_LABEL = 'io.rancher.container.ip';
/** Hosts per underlay /24: 198.18.B.10 … 198.18.B.209, so .250 stays free for `wrong-agent-ip`. */
const HOSTS_PER_SUBNET = 200;
export const MAX_FLEET_HOSTS = 2 * HOSTS_PER_SUBNET;

/** Lab faults whose effect (sizes, ESP only, a missing tunnel) the fleet's outputs do not model. */
const UNSIMULATED_FAULTS: ReadonlySet<Fault['kind']> = new Set([
  'mtu-blackhole',
  'esp-drop',
  'tunnel-missing',
  'tunnel-stale',
]);

export type PingFlavour = 'busybox' | 'iputils';

export interface FleetHost {
  /** 1-based, as in the lab. */
  index: number;
  name: HostName;
  underlayIp: Ipv4;
  overlayIp: Ipv4;
  agentId: string;
  /** What the agent's environment says in CATTLE_AGENT_IP. */
  advertisedIp: Ipv4;
  /** Which ping the agent image carries (both occur in Rancher agent images). */
  ping: PingFlavour;
}

export interface FleetPlan {
  hosts: FleetHost[];
  faults: Fault[];
  byName: Map<string, FleetHost>;
  byUnderlay: Map<string, FleetHost>;
  byOverlay: Map<string, FleetHost>;
}

export function fleetHostName(index: number): HostName {
  return `h${index}` as HostName;
}

export function planFleet(size: number, faults: readonly Fault[] = []): FleetPlan {
  if (!Number.isInteger(size) || size < 1 || size > MAX_FLEET_HOSTS) {
    throw new Error(`a simulated fleet has 1 to ${MAX_FLEET_HOSTS} hosts, not ${size}`);
  }
  const hosts: FleetHost[] = [];
  for (let index = 1; index <= size; index++) {
    const k = index - 1;
    const underlayIp = `198.18.${Math.floor(k / HOSTS_PER_SUBNET)}.${10 + (k % HOSTS_PER_SUBNET)}` as Ipv4;
    hosts.push({
      index,
      name: fleetHostName(index),
      underlayIp,
      overlayIp: `100.64.${index % 256}.${2 + Math.floor(index / 256)}` as Ipv4,
      agentId: createHash('sha256').update(`fleet-agent-${index}`).digest('hex'),
      advertisedIp: underlayIp,
      ping: index % 2 === 1 ? 'busybox' : 'iputils',
    });
  }
  const byName = new Map(hosts.map((h) => [h.name as string, h]));
  for (const fault of faults) {
    if (UNSIMULATED_FAULTS.has(fault.kind)) {
      // Accepting them would give a test "ok" verdicts for a fault it thinks it injected.
      throw new Error(`the simulated fleet does not simulate ${fault.kind} yet (the lab does)`);
    }
    for (const name of faultHosts(fault)) {
      if (!byName.has(name)) throw new Error(`fault ${fault.kind} names ${name}, not a host of this fleet`);
    }
    if (fault.kind === 'wrong-agent-ip') byName.get(fault.host)!.advertisedIp = FLEET_WRONG_AGENT_IP;
  }
  return {
    hosts,
    faults: [...faults],
    byName,
    byUnderlay: new Map(hosts.map((h) => [h.underlayIp as string, h])),
    byOverlay: new Map(hosts.map((h) => [h.overlayIp as string, h])),
  };
}

function faultHosts(fault: Fault): string[] {
  switch (fault.kind) {
    case 'block-udp500':
    case 'block-udp4500':
      return [fault.from, fault.to];
    case 'partition':
    case 'loss':
    case 'esp-drop':
      return [fault.a, fault.b];
    case 'mtu-blackhole':
    case 'tunnel-missing':
      return [fault.from, fault.to];
    case 'tunnel-stale':
      return [fault.stale, fault.forgets];
    default:
      return [fault.host];
  }
}

const hostFault = (plan: FleetPlan, kind: Fault['kind'], host: FleetHost) =>
  plan.faults.some((f) => f.kind === kind && 'host' in f && f.host === host.name);

/** The agent container exists but is stopped. */
export const agentStopped = (plan: FleetPlan, h: FleetHost) => hostFault(plan, 'stop-agent', h);
/** charon is dead inside a running agent. */
export const ikeKilled = (plan: FleetPlan, h: FleetHost) => hostFault(plan, 'kill-ike', h);
/** The host's Docker API does not answer (its socket is gone). */
export const dockerDown = (plan: FleetPlan, h: FleetHost) => hostFault(plan, 'docker-down', h);
const ikeAlive = (plan: FleetPlan, h: FleetHost) => !agentStopped(plan, h) && !ikeKilled(plan, h);

/**
 * Whether a datagram from `src` to `dst` on the underlay is dropped, like the lab's nft egress rules:
 * a blocked UDP port drops datagrams with that destination OR source port; a partition drops all.
 */
export function dropped(plan: FleetPlan, src: FleetHost, dst: FleetHost, udpPort: number | null): boolean {
  return plan.faults.some((f) => {
    switch (f.kind) {
      case 'partition':
        return (f.a === src.name && f.b === dst.name) || (f.b === src.name && f.a === dst.name);
      case 'block-udp500':
      case 'block-udp4500': {
        const port = f.kind === 'block-udp500' ? 500 : 4500;
        if (udpPort !== port) return false;
        return (
          (f.from === src.name && f.to === dst.name) ||
          (!f.oneWay && f.to === src.name && f.from === dst.name)
        );
      }
      default:
        return false;
    }
  });
}

/** Percentage of underlay packets lost between two hosts (both ways), 0 without a `loss` fault. */
export function lossPercent(plan: FleetPlan, a: FleetHost, b: FleetHost): number {
  let worst = 0;
  for (const f of plan.faults) {
    if (f.kind === 'loss' && ((f.a === a.name && f.b === b.name) || (f.b === a.name && f.a === b.name))) {
      worst = Math.max(worst, f.percent);
    }
  }
  return worst;
}

/** A request/reply exchange on the underlay works when neither direction is dropped. */
export function roundTrip(plan: FleetPlan, a: FleetHost, b: FleetHost, udpPort: number | null): boolean {
  return !dropped(plan, a, b, udpPort) && !dropped(plan, b, a, udpPort);
}

/**
 * Whether the IPsec tunnel between two agents carries traffic: both agents and their charons run,
 * each side registered the other at its real address, and ESP-in-UDP 4500 passes both ways.
 */
export function tunnelCarries(plan: FleetPlan, a: FleetHost, b: FleetHost): boolean {
  return (
    ikeAlive(plan, a) &&
    ikeAlive(plan, b) &&
    a.advertisedIp === a.underlayIp &&
    b.advertisedIp === b.underlayIp &&
    roundTrip(plan, a, b, 4500)
  );
}

export type IkeOutcome = 'answered' | 'timeout' | 'refused';

/** What a stateless IKE_SA_INIT from `src` to `target`:`port` gets back. */
export function ikeOutcome(plan: FleetPlan, src: FleetHost, target: string, port: 500 | 4500): IkeOutcome {
  const dst = plan.byUnderlay.get(target);
  if (!dst || !roundTrip(plan, src, dst, port)) return 'timeout';
  // No charon (or no published port): the host's kernel answers ICMP port unreachable.
  return ikeAlive(plan, dst) ? 'answered' : 'refused';
}

/** The IKE SA state `src`'s charon shows for its tunnel to `peer`. */
export function saState(plan: FleetPlan, src: FleetHost, peer: FleetHost): 'ESTABLISHED' | 'CONNECTING' {
  // A blocked 4500 or a partition leaves the SA looking ESTABLISHED until DPD gives up (~165 s):
  // the fleet shows the first minutes of a fault, as a sweep soon after it would.
  const negotiable =
    ikeAlive(plan, peer) && src.advertisedIp === src.underlayIp && peer.advertisedIp === peer.underlayIp;
  return negotiable ? 'ESTABLISHED' : 'CONNECTING';
}

/** Which of `count` pings between two hosts are lost: deterministic, at least one when loss > 0. */
export function lostPings(plan: FleetPlan, a: FleetHost, b: FleetHost, count: number): Set<number> {
  const percent = lossPercent(plan, a, b);
  if (percent <= 0) return new Set();
  const lost = percent >= 100 ? count : Math.min(count - 1, Math.max(1, Math.round((count * percent) / 100)));
  // Spread the losses: every (count/lost)-th sequence number, offset by the pair.
  const offset = (a.index + b.index) % count;
  const seqs = new Set<number>();
  for (let i = 0; i < lost; i++) seqs.add((offset + Math.floor((i * count) / lost)) % count);
  return seqs;
}

/** A stable, realistic round-trip time for one packet between two hosts, in ms. */
export function rttMs(a: FleetHost, b: FleetHost, seq: number, overlay: boolean): number {
  const base = 0.25 + ((a.index * 31 + b.index * 17) % 50) / 100;
  return base + (overlay ? 0.4 : 0) + ((seq * 7) % 5) / 100;
}
