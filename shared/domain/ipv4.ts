// IPv4 addresses are validated once, at the edge, and then carried as branded strings so that
// nothing unvalidated can reach a command line.
declare const ipv4Brand: unique symbol;
export type Ipv4 = string & { readonly [ipv4Brand]: true };

/** An agent's overlay address (e.g. Rancher's 10.42.x.y, the lab's 100.64.x.y). */
export type OverlayIp = Ipv4;
/** A host's underlay (physical / VNet) address. */
export type UnderlayIp = Ipv4;

/**
 * Returns the canonical dotted-quad form, or null when `text` is not exactly an IPv4 address: four
 * decimal octets 0–255 without leading zeros, so a valid text is already canonical. One pass, no
 * regex: a 200-host sweep checks every address in every agent's output and argv (~1 million).
 */
export function parseIpv4(text: string): Ipv4 | null {
  const n = text.length;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, the loop refuses such a length too; this answers sooner
  if (n < 7 || n > 15) return null;
  const octets: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    // One '.' past the end closes the last octet.
    const c = i < n ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0) return null;
      octets.push(value);
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      // A second digit after a leading 0 ("01"): not canonical.
      if (digits === 1 && value === 0) return null;
      value = value * 10 + (c - 48);
      digits++;
      if (value > 255) return null;
    } else {
      return null;
    }
  }
  if (octets.length !== 4) return null;
  // V8 keeps a substring of 13 characters or more as a view of its parent: an address cut from a
  // host's output would keep that whole output (hundreds of KB per agent) alive for as long as the
  // report holds the address. Rebuilt from its octets, it holds only itself.
  return (n < 13 ? text : octets.join('.')) as Ipv4;
}

/** Parses Rancher's `io.rancher.container.ip` label value: `10.42.7.3/16` (the prefix is optional). */
export function parseOverlayLabel(value: string): { ip: OverlayIp; prefix: number } | null {
  // Host text: anything longer than padding around "255.255.255.255/32" is not a label we accept.
  if (value.length > 64) return null;
  const parts = value.trim().split('/');
  if (parts.length > 2) return null;
  const [addr, prefixText] = parts as [string, string | undefined];
  const ip = parseIpv4(addr);
  if (!ip) return null;
  if (prefixText === undefined) return { ip, prefix: 32 };
  if (!/^\d{1,2}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix < 1 || prefix > 32) return null;
  return { ip, prefix };
}
