import { parseViciDump, type ViciDump, type ViciDumpResult } from './vici-dump.js';
import { counter, type ViciSection } from './vici-raw.js';

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
    return {
      name,
      state,
      remoteHost: ike.values.get('remote-host') ?? null,
      ...defined({ establishedSec: counter(ike, 'established'), rekeySec: counter(ike, 'rekey-time') }),
      children: childSas.sections.map(([childName, c]) => childEntry(childName, c)),
    } satisfies IkeSaEntry;
  });
  return parsed.ok ? { ok: true, sas: parsed.entries } : parsed;
}

function childEntry(key: string, c: ViciSection): ChildSaEntry {
  const spiIn = c.values.get('spi-in');
  const spiOut = c.values.get('spi-out');
  return {
    name: c.values.get('name') ?? key,
    state: c.values.get('state') ?? 'UNKNOWN',
    ...(spiIn && /^[0-9a-f]{1,16}$/i.test(spiIn) ? { spiIn: spiIn.toLowerCase() } : {}),
    ...(spiOut && /^[0-9a-f]{1,16}$/i.test(spiOut) ? { spiOut: spiOut.toLowerCase() } : {}),
    ...defined({
      bytesIn: counter(c, 'bytes-in'),
      bytesOut: counter(c, 'bytes-out'),
      packetsIn: counter(c, 'packets-in'),
      packetsOut: counter(c, 'packets-out'),
      installSec: counter(c, 'install-time'),
    }),
    remoteTs: c.lists.get('remote-ts') ?? [],
  };
}

/** Drops undefined members (exactOptionalPropertyTypes). */
function defined<T extends Record<string, number | undefined>>(o: T): { [K in keyof T]?: number } {
  const out: { [K in keyof T]?: number } = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k as keyof T] = v;
  return out;
}
