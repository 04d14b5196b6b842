import type { Ipv4 } from '../../domain/ipv4.js';

/**
 * Items keyed by IPv4 CIDRs (traffic selectors), found by an address they contain. A lookup costs one
 * map probe per prefix length in use (at most 33), not a scan of every item: matching all N peers of
 * an agent stays linear in N. Where several items contain the address, the first one added wins,
 * like a `find` over them in order.
 */
export class CidrIndex<T> {
  // prefix length → network address (as a 32-bit number) → the first item with that selector
  readonly #byPrefix = new Map<number, Map<number, T>>();
  // insertion order, to keep "first added wins" across prefix lengths
  readonly #order = new Map<T, number>();

  add(cidr: string, item: T): void {
    const parsed = parseCidr(cidr);
    if (!parsed) return;
    if (!this.#order.has(item)) this.#order.set(item, this.#order.size);
    let networks = this.#byPrefix.get(parsed.prefix);
    if (!networks) {
      networks = new Map();
      this.#byPrefix.set(parsed.prefix, networks);
    }
    if (!networks.has(parsed.network)) networks.set(parsed.network, item);
  }

  /** The first-added item whose selector contains `ip`, or undefined. */
  find(ip: Ipv4): T | undefined {
    const address = toInt(ip);
    let best: T | undefined;
    for (const [prefix, networks] of this.#byPrefix) {
      const item = networks.get((address & mask(prefix)) >>> 0);
      if (item !== undefined && (best === undefined || this.#order.get(item)! < this.#order.get(best)!))
        best = item;
    }
    return best;
  }
}

function parseCidr(cidr: string): { network: number; prefix: number } | null {
  const [net, prefixText, ...rest] = cidr.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (rest.length > 0 || !net || !/^\d{1,3}(\.\d{1,3}){3}$/.test(net)) return null;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return null;
  if (net.split('.').some((o) => Number(o) > 255)) return null;
  return { network: (toInt(net) & mask(prefix)) >>> 0, prefix };
}

const mask = (prefix: number) => (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
