import { parseViciDump, unexpectedEvent, type ViciDump } from './vici-dump.js';
import { scanViciLine, ViciKeys, type ViciVisitor } from './vici-raw.js';

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

/**
 * Reads one conn event line as it is scanned (one reader per line): the event's first section is the
 * connection, its `remote_addrs` list directly in it, its first `children` section holds the CHILD
 * configs one level down, each with its remote traffic selectors (`remote-ts`, or `remote_ts`).
 * Anything else (later sections, deeper ones) is passed over. No tree of the line is built: a
 * 200-host sweep reads 40,000 such lines.
 */
class ConnEventReader implements ViciVisitor {
  #name: string | null = null;
  /** In the connection's section (the event's first) rather than a later one; set when a top section opens. */
  // Stryker disable next-line BooleanLiteral: equivalent, open() sets it before any list of its depth can come
  #inConn = false;
  #remoteAddrs: string[] = [];
  #sawChildren = false;
  #inChildren = false;
  /** The CHILD config open now, with its selectors as given (the last list of a key given twice). */
  #child: { dashed?: string[]; underscored?: string[] } | null = null;
  readonly #remoteTs: string[] = [];

  read(line: string): ConnEntry | string {
    const failed = scanViciLine(line, KEEP, this) !== null;
    // Set by open() during the scan (TypeScript cannot see that).
    const name = this.#name as string | null;
    if (failed || name === null) return unexpectedEvent(LIST_CONNS);
    return { name, remoteAddrs: this.#remoteAddrs, remoteTs: this.#remoteTs };
  }

  open(depth: number, name: string): void {
    if (depth === 1) {
      this.#inConn = this.#name === null;
      if (this.#inConn) this.#name = name;
    } else if (this.#inConn && depth === 2 && name === 'children' && !this.#sawChildren)
      this.#sawChildren = this.#inChildren = true;
    else if (this.#inChildren && depth === 3) this.#child = {};
  }

  close(depth: number): void {
    // The open depth-2 section while in children is children itself.
    if (depth === 2) this.#inChildren = false;
    else if (depth === 3 && this.#child) {
      for (const ts of this.#child.dashed ?? this.#child.underscored ?? []) this.#remoteTs.push(ts);
      this.#child = null;
    }
  }

  value(): void {
    // Every key the reader keeps is a list.
  }

  list(depth: number, key: string, items: string[]): void {
    if (depth === 1 && this.#inConn && key === 'remote_addrs') this.#remoteAddrs = items;
    else if (depth === 3 && this.#child) {
      if (key === 'remote-ts') this.#child.dashed = items;
      else if (key === 'remote_ts') this.#child.underscored = items;
    }
  }
}
