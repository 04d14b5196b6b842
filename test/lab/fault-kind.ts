// The faults the lab can inject, as data: parsed once from CLI/API arguments, stored in the lab state, and
// turned into nft rules (network faults) or container actions (agent faults).
import { type HostPlan, resolveHost } from './address-plan.js';

export const FAULT_KINDS = [
  'block-udp500',
  'block-udp4500',
  'partition',
  'loss',
  'stop-agent',
  'kill-ike',
  'docker-down',
  'wrong-agent-ip',
  'mtu-blackhole',
  'esp-drop',
  'tunnel-missing',
  'tunnel-stale',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault =
  | { kind: 'block-udp500' | 'block-udp4500'; from: string; to: string; oneWay: boolean }
  | { kind: 'partition'; a: string; b: string }
  | { kind: 'loss'; a: string; b: string; percent: number }
  | { kind: 'mtu-blackhole'; from: string; to: string; bytes: number; oneWay: boolean }
  | { kind: 'esp-drop'; a: string; b: string }
  /** `from` forgets its connection to `to` (SA terminated, connection unloaded): a partial mesh. */
  | { kind: 'tunnel-missing'; from: string; to: string }
  /** `forgets` drops its SA with `stale` without telling it (its DELETE lost): `stale` keeps a remnant. */
  | { kind: 'tunnel-stale'; stale: string; forgets: string }
  | { kind: 'wrong-agent-ip'; host: string; autoDetected?: boolean }
  | { kind: 'stop-agent' | 'kill-ike' | 'docker-down'; host: string };

export const FAULT_USAGE = [
  'block-udp500 A B [--one-way]   drop UDP 500 between A and B (only A→B with --one-way)',
  'block-udp4500 A B [--one-way]  drop UDP 4500 (ESP-in-UDP and IKE after NAT-T) between A and B',
  'partition A B                  drop all underlay traffic between A and B',
  'loss A B PERCENT               drop PERCENT % of underlay packets between A and B, both ways',
  'stop-agent A                   stop the agent container on A',
  'kill-ike A                     kill charon inside the running agent on A',
  "docker-down A                  make A's Docker API unreachable (TLS port dropped, unix socket hidden)",
  "wrong-agent-ip A [--auto-detected]  re-register A as 198.18.0.250 (its rancher-agent's CATTLE_AGENT_IP; with",
  '                               --auto-detected no CATTLE_AGENT_IP at all); peers dial that address',
  'mtu-blackhole A B BYTES [--one-way]  drop UDP 4500 datagrams longer than BYTES (IP length) between A and B',
  '                               (only A→B with --one-way): small overlay packets pass, large ones vanish',
  'esp-drop A B                   drop ESP-in-UDP between A and B (UDP 4500 without the non-ESP marker); IKE passes',
  'tunnel-missing A B             A forgets its tunnel to B (connection unloaded, SA terminated): a partial mesh',
  'tunnel-stale A B               B drops its SA with A while A cannot hear the DELETE (a one-sided restart): A keeps',
  '                               an INSTALLED SA B no longer knows, until its DPD gives up (~3 min)',
];

function distinct(a: HostPlan, b: HostPlan): void {
  if (a.index === b.index) throw new Error(`a fault between a host and itself makes no sense (${a.name})`);
}

/** Parses `fault <kind> ...` arguments; host names are checked against the running lab. */
export function parseFault(kind: string, args: readonly string[], hosts: readonly HostPlan[]): Fault {
  const positional = args.filter((a) => !a.startsWith('--'));
  const flags = args.filter((a) => a.startsWith('--'));
  const allowFlags = (allowed: string[]) => {
    const bad = flags.filter((f) => !allowed.includes(f));
    if (bad.length > 0) throw new Error(`fault ${kind}: unknown option ${bad.join(', ')}`);
  };
  const need = (n: number, shape: string) => {
    if (positional.length !== n) throw new Error(`fault ${kind}: expected ${shape}`);
  };
  switch (kind) {
    case 'block-udp500':
    case 'block-udp4500': {
      allowFlags(['--one-way']);
      need(2, `${kind} A B [--one-way]`);
      const from = resolveHost(positional[0]!, hosts);
      const to = resolveHost(positional[1]!, hosts);
      distinct(from, to);
      return { kind, from: from.name, to: to.name, oneWay: flags.includes('--one-way') };
    }
    case 'partition': {
      allowFlags([]);
      need(2, 'partition A B');
      const a = resolveHost(positional[0]!, hosts);
      const b = resolveHost(positional[1]!, hosts);
      distinct(a, b);
      return { kind, a: a.name, b: b.name };
    }
    case 'loss': {
      allowFlags([]);
      need(3, 'loss A B PERCENT');
      const a = resolveHost(positional[0]!, hosts);
      const b = resolveHost(positional[1]!, hosts);
      distinct(a, b);
      const percentText = positional[2]!.replace(/%$/, '');
      const percent = Number(percentText);
      if (!/^\d{1,3}$/.test(percentText) || percent < 1 || percent > 100) {
        throw new Error(`fault loss: PERCENT must be an integer from 1 to 100 (got "${positional[2]}")`);
      }
      return { kind, a: a.name, b: b.name, percent };
    }
    case 'mtu-blackhole': {
      allowFlags(['--one-way']);
      need(3, 'mtu-blackhole A B BYTES [--one-way]');
      const from = resolveHost(positional[0]!, hosts);
      const to = resolveHost(positional[1]!, hosts);
      distinct(from, to);
      const bytes = Number(positional[2]);
      if (!/^\d{3,4}$/.test(positional[2]!) || bytes < 576 || bytes > 1500) {
        throw new Error(
          `fault mtu-blackhole: BYTES must be an integer from 576 to 1500 (got "${positional[2]}")`,
        );
      }
      return { kind, from: from.name, to: to.name, bytes, oneWay: flags.includes('--one-way') };
    }
    case 'esp-drop': {
      allowFlags([]);
      need(2, 'esp-drop A B');
      const a = resolveHost(positional[0]!, hosts);
      const b = resolveHost(positional[1]!, hosts);
      distinct(a, b);
      return { kind, a: a.name, b: b.name };
    }
    case 'tunnel-missing': {
      allowFlags([]);
      need(2, 'tunnel-missing A B');
      const from = resolveHost(positional[0]!, hosts);
      const to = resolveHost(positional[1]!, hosts);
      distinct(from, to);
      return { kind, from: from.name, to: to.name };
    }
    case 'tunnel-stale': {
      allowFlags([]);
      need(2, 'tunnel-stale A B');
      const stale = resolveHost(positional[0]!, hosts);
      const forgets = resolveHost(positional[1]!, hosts);
      distinct(stale, forgets);
      return { kind, stale: stale.name, forgets: forgets.name };
    }
    case 'wrong-agent-ip': {
      allowFlags(['--auto-detected']);
      need(1, `${kind} A [--auto-detected]`);
      return {
        kind,
        host: resolveHost(positional[0]!, hosts).name,
        autoDetected: flags.includes('--auto-detected'),
      };
    }
    case 'stop-agent':
    case 'kill-ike':
    case 'docker-down': {
      allowFlags([]);
      need(1, `${kind} A`);
      return { kind, host: resolveHost(positional[0]!, hosts).name };
    }
    default:
      throw new Error(`unknown fault kind "${kind}": expected one of ${FAULT_KINDS.join(', ')}`);
  }
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'block-udp500':
    case 'block-udp4500':
      return `${f.kind} ${f.from} ${f.oneWay ? '->' : '<->'} ${f.to}`;
    case 'partition':
      return `partition ${f.a} <-> ${f.b}`;
    case 'loss':
      return `loss ${f.percent}% ${f.a} <-> ${f.b}`;
    case 'mtu-blackhole':
      return `mtu-blackhole ${f.bytes} bytes ${f.from} ${f.oneWay ? '->' : '<->'} ${f.to}`;
    case 'esp-drop':
      return `esp-drop ${f.a} <-> ${f.b}`;
    case 'tunnel-missing':
      return `tunnel-missing ${f.from} -/-> ${f.to}`;
    case 'tunnel-stale':
      return `tunnel-stale ${f.stale} (forgotten by ${f.forgets})`;
    case 'wrong-agent-ip':
      return `wrong-agent-ip ${f.host}${f.autoDetected ? ' (auto-detected)' : ''}`;
    default:
      return `${f.kind} ${f.host}`;
  }
}
