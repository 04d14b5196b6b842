import type { Ipv4 } from '../domain/ipv4.js';
import type { IkeDetail, MtuDetail, MtuRung, RttMs } from '../domain/sweep-report.js';

/**
 * Equal details as one object. A 200-host report holds 40,000 MTU ladders and 80,000 IKE outcomes
 * and round trips, nearly all alike (every rung answered, INVALID_KE_PAYLOAD, a few hundred RTTs to
 * the 10 µs); a report is data nobody changes after the sweep, so equal ones can be the same object:
 * ~30 MB less heap per sweep at 200 hosts. Each table is bounded, since the values come from host
 * output: past the bound a detail is its own.
 */
export class BoundedTable<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The value kept for `key`, else a new one from `make`, kept while the table has room. */
  get(key: K, make: () => V): V {
    const known = this.#entries.get(key);
    if (known !== undefined) return known;
    const value = make();
    if (this.#entries.size < this.limit) this.#entries.set(key, value);
    return value;
  }
}

const MAX_SHARED = 512;

const ladders = new BoundedTable<string, MtuDetail>(MAX_SHARED);
const ikeDetails = new BoundedTable<string, IkeDetail>(MAX_SHARED);
const singleRtts = new BoundedTable<number, RttMs>(MAX_SHARED);
// One list per address a peer is dialled at: a few per host.
const addressLists = new BoundedTable<string, Ipv4[]>(MAX_SHARED * 8);

export function sharedMtuDetail(pmtu: number | null, ceiling: number, ladder: MtuRung[]): MtuDetail {
  let key = `${pmtu} ${ceiling}`;
  for (const r of ladder) key += ` ${r.bytes}:${r.sent}:${r.received}`;
  return ladders.get(key, () => ({ pmtu, ceiling, ladder }));
}

export function sharedIkeDetail(outcome: IkeDetail['outcome'], response?: string): IkeDetail {
  return ikeDetails.get(response === undefined ? outcome : `${outcome} ${response}`, () =>
    response === undefined ? { outcome } : { outcome, response },
  );
}

/** One IKE exchange's round trip as min = avg = max. */
export function sharedSingleRtt(ms: number): RttMs {
  return singleRtts.get(ms, () => ({ min: ms, avg: ms, max: ms }));
}

/** A list of addresses (an SA's `dialed`): most agents dial a peer at the same one address. */
export function sharedAddressList(addresses: Ipv4[]): Ipv4[] {
  return addressLists.get(addresses.join(' '), () => addresses);
}
