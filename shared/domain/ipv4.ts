// IPv4 addresses are validated once, at the edge, and then carried as branded strings so that
// nothing unvalidated can reach a command line.
declare const ipv4Brand: unique symbol;
export type Ipv4 = string & { readonly [ipv4Brand]: true };

/** An agent's overlay address (e.g. Rancher's 10.42.x.y, the lab's 100.64.x.y). */
export type OverlayIp = Ipv4;
/** A host's underlay (physical / VNet) address. */
export type UnderlayIp = Ipv4;

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Returns the canonical dotted-quad form, or null when `text` is not exactly an IPv4 address. */
export function parseIpv4(text: string): Ipv4 | null {
  if (text.length > 15) return null;
  const m = DOTTED_QUAD.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map((o) => Number(o));
  if (octets.some((o, i) => o > 255 || (m[i + 1]!.length > 1 && m[i + 1]!.startsWith('0')))) return null;
  return octets.join('.') as Ipv4;
}

/** Parses Rancher's `io.rancher.container.ip` label value: `10.42.7.3/16` (the prefix is optional). */
export function parseOverlayLabel(value: string): { ip: OverlayIp; prefix: number } | null {
  // Host text: anything longer than padding around "255.255.255.255/32" is not a label we accept.
  if (value.length > 64) return null;
  const [addr, prefixText, ...rest] = value.trim().split('/');
  if (rest.length > 0 || addr === undefined) return null;
  const ip = parseIpv4(addr);
  if (!ip) return null;
  if (prefixText === undefined) return { ip, prefix: 32 };
  if (!/^\d{1,2}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix < 1 || prefix > 32) return null;
  return { ip, prefix };
}
