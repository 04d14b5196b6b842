import { parseViciDump, type ViciDump, type ViciDumpResult } from './vici-dump.js';
import { counter, ViciKeys, type ViciSection } from './vici-raw.js';

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
  keep: new ViciKeys([
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
  ]),
};

/**
 * Parses swanctl's raw VICI dump: one `list-sa event {NAME {k=v … child-sas {CHILD {k=v …}}}}` line
 * per IKE SA, then `list-sas reply {}`. Linear in the input and capped (host output is untrusted).
 */
export function parseListSas(output: string): ListSasResult {
  const parsed = parseViciDump(output, LIST_SAS, (name, ike, line) => {
    // The SA's name follows the brace directly; a missing one would make the next key look like a name.
    if (line.charCodeAt(LIST_SAS.event.length) === 32) return 'unexpected list-sa event';
    const state = ike.values.get('state');
    if (!state) return `IKE SA ${name.slice(0, 64)} has no state`;
    // charon always prints child-sas, even empty: without it this is not an SA event it knows.
    const childSas = ike.sections.find(([n]) => n === 'child-sas')?.[1];
    if (!childSas) return 'unexpected list-sa event';
    const entry: IkeSaEntry = {
      name,
      state: knownState(state),
      remoteHost: ike.values.get('remote-host') ?? null,
      children: childSas.sections.map(([childName, c]) => childEntry(childName, c)),
    };
    const establishedSec = counter(ike, 'established');
    if (establishedSec !== undefined) entry.establishedSec = establishedSec;
    const rekeySec = counter(ike, 'rekey-time');
    if (rekeySec !== undefined) entry.rekeySec = rekeySec;
    return entry;
  });
  return parsed.ok ? { ok: true, sas: parsed.entries } : parsed;
}

function childEntry(key: string, c: ViciSection): ChildSaEntry {
  const entry: ChildSaEntry = {
    name: c.values.get('name') ?? key,
    state: knownState(c.values.get('state') ?? 'UNKNOWN'),
    remoteTs: c.lists.get('remote-ts') ?? [],
  };
  const spiIn = c.values.get('spi-in');
  if (spiIn && SPI.test(spiIn)) entry.spiIn = spiIn.toLowerCase();
  const spiOut = c.values.get('spi-out');
  if (spiOut && SPI.test(spiOut)) entry.spiOut = spiOut.toLowerCase();
  for (const [field, key] of CHILD_COUNTERS) {
    const value = counter(c, key);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}

const SPI = /^[0-9a-f]{1,16}$/i;

const CHILD_COUNTERS = [
  ['bytesIn', 'bytes-in'],
  ['bytesOut', 'bytes-out'],
  ['packetsIn', 'packets-in'],
  ['packetsOut', 'packets-out'],
  ['installSec', 'install-time'],
] as const;

// charon's states as one string each, not a copy per SA read from the output (80,000 SA reads at 200 hosts).
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

function knownState(state: string): string {
  return STATES.get(state) ?? state;
}
