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
  state: string;
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

const EVENT = 'list-sa event {';

/**
 * Parses swanctl's raw VICI dump: one `list-sa event {NAME {k=v … child-sas {CHILD {k=v …}}}}` line
 * per IKE SA, then `list-sas reply {}`. Raw mode does not quote values (identities may contain
 * spaces), so fields are picked by key rather than by a full grammar.
 */
export function parseListSas(output: string): ListSasResult {
  if (/connecting to '[^']*' failed/.test(output)) {
    const reason = /failed: ([^\n]*)/.exec(output)?.[1]?.trim() ?? 'failed';
    return {
      ok: false,
      daemonUnreachable: true,
      reason: `strongSwan's VICI socket does not answer (${reason})`,
    };
  }
  const sas: IkeSaEntry[] = [];
  let sawReply = false;
  for (const line of output.split('\n')) {
    if (line.startsWith('list-sas reply')) sawReply = true;
    if (!line.startsWith(EVENT)) continue;
    const body = line.slice(EVENT.length);
    const name = /^(\S+) \{/.exec(body)?.[1];
    const childAt = body.indexOf(' child-sas {');
    if (!name || childAt < 0)
      return { ok: false, daemonUnreachable: false, reason: 'unexpected list-sa event' };
    const ikePart = body.slice(name.length + 2, childAt);
    const state = field(ikePart, 'state');
    if (!state) return { ok: false, daemonUnreachable: false, reason: `IKE SA ${name} has no state` };
    const children: ChildSaEntry[] = [];
    for (const m of body.slice(childAt + ' child-sas {'.length).matchAll(/(\S+) \{([^{}]*)\}/g)) {
      const text = m[2]!;
      children.push({
        name: field(text, 'name') ?? m[1]!,
        state: field(text, 'state') ?? 'UNKNOWN',
        ...numbers(text, {
          bytesIn: 'bytes-in',
          bytesOut: 'bytes-out',
          packetsIn: 'packets-in',
          packetsOut: 'packets-out',
          installSec: 'install-time',
        }),
        remoteTs: (/(?:^|\s)remote-ts=\[([^\]]*)\]/.exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean),
      });
    }
    sas.push({
      name,
      state,
      remoteHost: field(ikePart, 'remote-host'),
      ...numbers(ikePart, { establishedSec: 'established', rekeySec: 'rekey-time' }),
      children,
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

function field(text: string, key: string): string | null {
  return new RegExp(`(?:^|[\\s{])${key}=([^\\s{}]+)`).exec(text)?.[1] ?? null;
}

function numbers<K extends string>(text: string, keys: Record<K, string>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const [name, key] of Object.entries(keys) as [K, string][]) {
    const value = field(text, key);
    if (value !== null && /^\d+$/.test(value)) out[name] = Number(value);
  }
  return out;
}
