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
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type Fault =
  | { kind: 'block-udp500' | 'block-udp4500'; from: string; to: string; oneWay: boolean }
  | { kind: 'partition'; a: string; b: string }
  | { kind: 'loss'; a: string; b: string; percent: number }
  | { kind: 'stop-agent' | 'kill-ike' | 'docker-down' | 'wrong-agent-ip'; host: string };

export const FAULT_USAGE = [
  'block-udp500 A B [--one-way]   drop UDP 500 between A and B (only A→B with --one-way)',
  'block-udp4500 A B [--one-way]  drop UDP 4500 (ESP-in-UDP and IKE after NAT-T) between A and B',
  'partition A B                  drop all underlay traffic between A and B',
  'loss A B PERCENT               drop PERCENT % of underlay packets between A and B, both ways',
  'stop-agent A                   stop the agent container on A',
  'kill-ike A                     kill charon inside the running agent on A',
  "docker-down A                  make A's Docker API unreachable (TLS port dropped, unix socket hidden)",
  "wrong-agent-ip A               re-create A's agent advertising 198.18.0.250; peers point at it",
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
    case 'stop-agent':
    case 'kill-ike':
    case 'docker-down':
    case 'wrong-agent-ip': {
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
    default:
      return `${f.kind} ${f.host}`;
  }
}
