import { parseViciDump, unexpectedEvent, type ViciDump } from './vici-dump.js';
import { ViciEntryReader } from './vici-entry-reader.js';
import { scanViciLine, ViciKeys } from './vici-raw.js';

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
  const parsed = parseViciDump(output, LIST_CONNS, (line) => new ConnEventReader().read(line));
  return parsed.ok ? { ok: true, conns: parsed.entries } : parsed;
}

/** A CHILD config's remote traffic selectors as given (the last list of a key given twice). */
interface ChildSelectors {
  dashed?: string[];
  underscored?: string[];
}

/**
 * Reads one conn event line as it is scanned (one reader per line): the entry is the connection,
 * with its `remote_addrs`; its group `children` holds the CHILD configs, each with its remote
 * traffic selectors (`remote-ts`, or `remote_ts`) (ViciEntryReader).
 */
class ConnEventReader extends ViciEntryReader<ChildSelectors> {
  #remoteAddrs: string[] = [];
  readonly #remoteTs: string[] = [];

  constructor() {
    super('children');
  }

  read(line: string): ConnEntry | string {
    const failed = scanViciLine(line, KEEP, this) !== null;
    // Set by open() during the scan (TypeScript cannot see that).
    const name = this.entryName as string | null;
    if (failed || name === null) return unexpectedEvent(LIST_CONNS);
    return { name, remoteAddrs: this.#remoteAddrs, remoteTs: this.#remoteTs };
  }

  protected openChild(): ChildSelectors {
    return {};
  }

  protected closeChild(child: ChildSelectors): void {
    for (const ts of child.dashed ?? child.underscored ?? []) this.#remoteTs.push(ts);
  }

  value(): void {
    // Every key the reader keeps is a list.
  }

  list(depth: number, key: string, items: string[]): void {
    if (depth === 1 && this.inEntry && key === 'remote_addrs') this.#remoteAddrs = items;
    else if (depth === 3 && this.child) {
      if (key === 'remote-ts') this.child.dashed = items;
      else if (key === 'remote_ts') this.child.underscored = items;
    }
  }
}
