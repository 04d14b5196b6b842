import { counter, parseViciLine, type ViciSection } from './vici-raw.js';

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

export type ListSasResult =
  | { ok: true; sas: IkeSaEntry[] }
  /** swanctl could not talk to charon: the IKE daemon is not running (or its socket is gone). */
  | { ok: false; daemonUnreachable: true; reason: string }
  | { ok: false; daemonUnreachable: false; reason: string };

/** More than any real agent prints (≈1 KB per SA): beyond it the output is refused, not parsed. */
export const MAX_SWANCTL_OUTPUT = 2 * 1024 * 1024;
const MAX_SAS = 4096;
const EVENT = 'list-sa event {';
const VICI_FAILED = "connecting to '";

/**
 * Parses swanctl's raw VICI dump: one `list-sa event {NAME {k=v … child-sas {CHILD {k=v …}}}}` line
 * per IKE SA, then `list-sas reply {}`. Linear in the input and capped (host output is untrusted).
 */
export function parseListSas(output: string): ListSasResult {
  if (output.length > MAX_SWANCTL_OUTPUT) {
    return {
      ok: false,
      daemonUnreachable: false,
      reason: `swanctl printed more than ${MAX_SWANCTL_OUTPUT} bytes`,
    };
  }
  const unreachable = viciUnreachable(output);
  if (unreachable) return { ok: false, daemonUnreachable: true, reason: unreachable };
  const sas: IkeSaEntry[] = [];
  let sawReply = false;
  for (const line of output.split('\n')) {
    if (line.startsWith('list-sas reply')) sawReply = true;
    if (!line.startsWith(EVENT)) continue;
    if (sas.length >= MAX_SAS)
      return { ok: false, daemonUnreachable: false, reason: `more than ${MAX_SAS} IKE SAs` };
    const parsed = parseViciLine(line);
    const entry = parsed.ok ? parsed.section.sections[0] : undefined;
    if (!entry) return { ok: false, daemonUnreachable: false, reason: 'unexpected list-sa event' };
    const [name, ike] = entry;
    const state = ike.values.get('state');
    if (!state)
      return { ok: false, daemonUnreachable: false, reason: `IKE SA ${name.slice(0, 64)} has no state` };
    const childSas = ike.sections.find(([n]) => n === 'child-sas')?.[1];
    sas.push({
      name,
      state,
      remoteHost: ike.values.get('remote-host') ?? null,
      ...defined({ establishedSec: counter(ike, 'established'), rekeySec: counter(ike, 'rekey-time') }),
      children: (childSas?.sections ?? []).map(([childName, c]) => childEntry(childName, c)),
    });
  }
  if (!sawReply && sas.length === 0) {
    return {
      ok: false,
      daemonUnreachable: false,
      reason: `not swanctl --list-sas output: ${output.trim().slice(0, 80)}`,
    };
  }
  return { ok: true, sas };
}

/** swanctl's own message when charon's VICI socket does not answer, as a reason; null otherwise. */
export function viciUnreachable(output: string): string | null {
  const at = output.indexOf(VICI_FAILED);
  if (at < 0) return null;
  const line = output.slice(at, output.indexOf('\n', at) < 0 ? undefined : output.indexOf('\n', at));
  const failed = line.indexOf("' failed");
  if (failed < 0) return null;
  const detail = line
    .slice(failed + "' failed".length)
    .replace(/^:\s*/, '')
    .trim()
    .slice(0, 120);
  return `strongSwan's VICI socket does not answer (${detail || 'failed'})`;
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
