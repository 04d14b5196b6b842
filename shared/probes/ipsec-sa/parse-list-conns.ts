import { MAX_SWANCTL_OUTPUT, viciUnreachable } from './parse-list-sas.js';
import { parseViciLine } from './vici-raw.js';

/** One configured connection from `swanctl --list-conns --raw`: where it dials and which subnets it carries. */
export interface ConnEntry {
  name: string;
  /** `remote_addrs`: the peer address this agent's strongSwan dials (Rancher: the peer's registered agent IP). */
  remoteAddrs: string[];
  /** Remote traffic selectors of its children (the peer's overlay subnets). */
  remoteTs: string[];
}

export type ListConnsResult =
  | { ok: true; conns: ConnEntry[] }
  | { ok: false; daemonUnreachable: boolean; reason: string };

const EVENT = 'list-conn event {';
const MAX_CONNS = 4096;

/** Parses `list-conn event {NAME {… remote_addrs=[…] children {C {… remote-ts=[…]}}}}` lines. Linear, capped. */
export function parseListConns(output: string): ListConnsResult {
  if (output.length > MAX_SWANCTL_OUTPUT) {
    return {
      ok: false,
      daemonUnreachable: false,
      reason: `swanctl printed more than ${MAX_SWANCTL_OUTPUT} bytes`,
    };
  }
  const unreachable = viciUnreachable(output);
  if (unreachable) return { ok: false, daemonUnreachable: true, reason: unreachable };
  const conns: ConnEntry[] = [];
  let sawReply = false;
  for (const line of output.split('\n')) {
    if (line.startsWith('list-conns reply')) sawReply = true;
    if (!line.startsWith(EVENT)) continue;
    if (conns.length >= MAX_CONNS)
      return { ok: false, daemonUnreachable: false, reason: `more than ${MAX_CONNS} connections` };
    const parsed = parseViciLine(line);
    const entry = parsed.ok ? parsed.section.sections[0] : undefined;
    if (!entry) return { ok: false, daemonUnreachable: false, reason: 'unexpected list-conn event' };
    const [name, conn] = entry;
    const children = conn.sections.find(([n]) => n === 'children')?.[1]?.sections ?? [];
    conns.push({
      name,
      remoteAddrs: conn.lists.get('remote_addrs') ?? [],
      remoteTs: children.flatMap(([, c]) => c.lists.get('remote-ts') ?? c.lists.get('remote_ts') ?? []),
    });
  }
  if (!sawReply && conns.length === 0) {
    return {
      ok: false,
      daemonUnreachable: false,
      reason: `not swanctl --list-conns output: ${output.trim().slice(0, 80)}`,
    };
  }
  return { ok: true, conns };
}
