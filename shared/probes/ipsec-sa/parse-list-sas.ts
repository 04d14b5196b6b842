import { parseViciDump, unexpectedEvent, type ViciDump, type ViciDumpResult } from './vici-dump.js';
import { ViciEntryReader } from './vici-entry-reader.js';
import { counterValue, scanViciLine, ViciKeys } from './vici-raw.js';

/** One IKE SA from `swanctl --list-sas --raw`, only the fields tunnelwatch reports. */
export interface IkeSaEntry {
  /** Connection name; "(unnamed)" for a responder's half-open SA. */
  name: string;
  state: string;
  remoteHost: string | null;
  establishedSec?: number;
  rekeySec?: number;
  children: ChildSaEntry[];
}

export interface ChildSaEntry {
  name: string;
  /** INSTALLED, REKEYING, …; `UNKNOWN` when the dump gives none (never read as installed). */
  state: string;
  /** Hex SPIs as charon prints them; the peer's spi-out is this side's spi-in when both hold the same SA. */
  spiIn?: string;
  spiOut?: string;
  bytesIn?: number;
  bytesOut?: number;
  packetsIn?: number;
  packetsOut?: number;
  installSec?: number;
  remoteTs: string[];
}

export type ListSasResult = { ok: true; sas: IkeSaEntry[] } | Exclude<ViciDumpResult<never>, { ok: true }>;

const LIST_SAS: ViciDump = {
  event: 'list-sa event {',
  reply: 'list-sas reply',
  command: '--list-sas',
  max: 4096,
  counted: 'IKE SAs',
};

// What the reader uses; the ~30 other keys of an SA line are not kept.
const KEEP = new ViciKeys([
  // the IKE SA
  'state',
  'remote-host',
  'established',
  'rekey-time',
  // its CHILD SAs
  'name',
  'spi-in',
  'spi-out',
  'bytes-in',
  'bytes-out',
  'packets-in',
  'packets-out',
  'install-time',
  'remote-ts',
]);

/**
 * Parses swanctl's raw VICI dump: one `list-sa event {NAME {k=v … child-sas {CHILD {k=v …}}}}` line
 * per IKE SA, then `list-sas reply {}`. Linear in the input and capped (host output is untrusted).
 */
export function parseListSas(output: string): ListSasResult {
  const parsed = parseViciDump(output, LIST_SAS, (line) => new SaEventReader().read(line));
  return parsed.ok ? { ok: true, sas: parsed.entries } : parsed;
}

interface ChildFields {
  key: string;
  name?: string;
  state?: string;
  spiIn?: string;
  spiOut?: string;
  bytesIn?: string;
  bytesOut?: string;
  packetsIn?: string;
  packetsOut?: string;
  installSec?: string;
  remoteTs?: string[];
}

/**
 * Reads one SA event line as it is scanned (one reader per line), keeping only the fields above: the
 * entry is the IKE SA, its group `child-sas` holds the CHILD SAs (ViciEntryReader).
 */
class SaEventReader extends ViciEntryReader<ChildFields> {
  #state: string | undefined;
  #remoteHost: string | undefined;
  #established: string | undefined;
  #rekey: string | undefined;
  readonly #children: ChildSaEntry[] = [];

  constructor() {
    super('child-sas');
  }

  read(line: string): IkeSaEntry | string {
    // The SA's name follows the brace directly; a missing one would make the next key look like a name.
    if (line.charCodeAt(LIST_SAS.event.length) === 32) return unexpectedEvent(LIST_SAS);
    const failed = scanViciLine(line, KEEP, this) !== null;
    // Set by open() during the scan (TypeScript cannot see that).
    const name = this.entryName as string | null;
    if (failed || name === null) return unexpectedEvent(LIST_SAS);
    if (!this.#state) return `IKE SA ${name.slice(0, 64)} has no state`;
    // charon always prints child-sas, even empty: without it this is not an SA event it knows.
    if (!this.sawGroup) return unexpectedEvent(LIST_SAS);
    const entry: IkeSaEntry = {
      name,
      state: knownState(this.#state),
      remoteHost: this.#remoteHost ?? null,
      children: this.#children,
    };
    const establishedSec = counterValue(this.#established);
    if (establishedSec !== undefined) entry.establishedSec = establishedSec;
    const rekeySec = counterValue(this.#rekey);
    if (rekeySec !== undefined) entry.rekeySec = rekeySec;
    return entry;
  }

  protected openChild(name: string): ChildFields {
    return { key: name };
  }

  protected closeChild(child: ChildFields): void {
    this.#children.push(childEntry(child));
  }

  value(depth: number, key: string, value: string): void {
    if (depth === 1 && this.inEntry) {
      if (key === 'state') this.#state = value;
      else if (key === 'remote-host') this.#remoteHost = value;
      else if (key === 'established') this.#established = value;
      else if (key === 'rekey-time') this.#rekey = value;
    } else if (depth === 3 && this.child) {
      const field = CHILD_FIELDS.get(key);
      // Stryker disable next-line ConditionalExpression: equivalent, a key of the IKE SA's (remote-host …) would set a field no one reads
      if (field) this.child[field] = value;
    }
  }

  list(depth: number, key: string, items: string[]): void {
    if (depth === 3 && this.child && key === 'remote-ts') this.child.remoteTs = items;
  }
}

const CHILD_FIELDS = new Map<string, Exclude<keyof ChildFields, 'key' | 'remoteTs'>>([
  ['name', 'name'],
  ['state', 'state'],
  ['spi-in', 'spiIn'],
  ['spi-out', 'spiOut'],
  ['bytes-in', 'bytesIn'],
  ['bytes-out', 'bytesOut'],
  ['packets-in', 'packetsIn'],
  ['packets-out', 'packetsOut'],
  ['install-time', 'installSec'],
]);

function childEntry(c: ChildFields): ChildSaEntry {
  const entry: ChildSaEntry = {
    name: c.name ?? c.key,
    state: knownState(c.state ?? 'UNKNOWN'),
    remoteTs: c.remoteTs ?? [],
  };
  if (c.spiIn && SPI.test(c.spiIn)) entry.spiIn = c.spiIn.toLowerCase();
  if (c.spiOut && SPI.test(c.spiOut)) entry.spiOut = c.spiOut.toLowerCase();
  for (const field of COUNTERS) {
    const value = counterValue(c[field]);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}

const SPI = /^[0-9a-f]{1,16}$/i;

const COUNTERS = ['bytesIn', 'bytesOut', 'packetsIn', 'packetsOut', 'installSec'] as const;

// charon's states as one string each, not a copy per SA read from the output (80,000 SA reads at 200 hosts).
// Stryker disable StringLiteral,ArrayDeclaration,ArrowFunction: equivalent, the table decides which copy of an equal string is kept, never what is read
const STATES = new Map(
  [
    'ESTABLISHED',
    'CONNECTING',
    'CREATED',
    'PASSIVE',
    'REKEYING',
    'REKEYED',
    'DELETING',
    'DESTROYING',
    'INSTALLED',
    'INSTALLING',
    'ROUTED',
    'UPDATING',
    'RETRYING',
    'FAILED',
    'UNKNOWN',
  ].map((s) => [s, s]),
);

// Stryker restore StringLiteral,ArrayDeclaration,ArrowFunction

function knownState(state: string): string {
  return STATES.get(state) ?? state;
}
