import { parseViciDump, unexpectedEvent, type ViciDump } from './vici-dump.js';
import { eventSection, ViciKeys } from './vici-raw.js';

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

const LIST_CONNS: ViciDump = {
  event: 'list-conn event {',
  reply: 'list-conns reply',
  command: '--list-conns',
  max: 4096,
  counted: 'connections',
};
// What the reader uses; other keys are not kept.
const KEEP = new ViciKeys(['remote_addrs', 'remote-ts', 'remote_ts']);

/** Parses `list-conn event {NAME {… remote_addrs=[…] children {C {… remote-ts=[…]}}}}` lines. Linear, capped. */
export function parseListConns(output: string): ListConnsResult {
  const parsed = parseViciDump(output, LIST_CONNS, (line): ConnEntry | string => {
    const named = eventSection(line, KEEP);
    if (!named) return unexpectedEvent(LIST_CONNS);
    const [name, conn] = named;
    // Stryker disable next-line OptionalChaining: equivalent, the first ?. already ends the chain when there is no children section
    const children = conn.sections.find(([n]) => n === 'children')?.[1]?.sections ?? [];
    return {
      name,
      remoteAddrs: conn.lists.get('remote_addrs') ?? [],
      remoteTs: children.flatMap(([, c]) => c.lists.get('remote-ts') ?? c.lists.get('remote_ts') ?? []),
    };
  });
  return parsed.ok ? { ok: true, conns: parsed.entries } : parsed;
}
