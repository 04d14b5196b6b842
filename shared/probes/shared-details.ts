import type { Ipv4 } from '../domain/ipv4.js';
import type { IkeDetail, MtuDetail, MtuRung, RttMs } from '../domain/sweep-report.js';

/**
 * Equal details as one object. A 200-host report holds 40,000 MTU ladders and 80,000 IKE outcomes
 * and round trips, nearly all alike (every rung answered, INVALID_KE_PAYLOAD, a few hundred RTTs to
 * the 10 µs); a report is data nobody changes after the sweep, so equal ones can be the same object:
 * ~30 MB less heap per sweep at 200 hosts. Each table is bounded, since the values come from host
 * output: past the bound a detail is its own.
 */
const MAX_SHARED = 512;

const ladders = new Map<string, MtuDetail>();
const ikeDetails = new Map<string, IkeDetail>();
const singleRtts = new Map<number, RttMs>();
const addressLists = new Map<string, Ipv4[]>();

export function sharedMtuDetail(pmtu: number | null, ceiling: number, ladder: MtuRung[]): MtuDetail {
  let key = `${pmtu} ${ceiling}`;
  for (const r of ladder) key += ` ${r.bytes}:${r.sent}:${r.received}`;
  const known = ladders.get(key);
  if (known) return known;
  const detail: MtuDetail = { pmtu, ceiling, ladder };
  if (ladders.size < MAX_SHARED) ladders.set(key, detail);
  return detail;
}

export function sharedIkeDetail(outcome: IkeDetail['outcome'], response?: string): IkeDetail {
  const key = response === undefined ? outcome : `${outcome} ${response}`;
  const known = ikeDetails.get(key);
  if (known) return known;
  const detail: IkeDetail = response === undefined ? { outcome } : { outcome, response };
  if (ikeDetails.size < MAX_SHARED) ikeDetails.set(key, detail);
  return detail;
}

/** One IKE exchange's round trip as min = avg = max. */
export function sharedSingleRtt(ms: number): RttMs {
  const known = singleRtts.get(ms);
  if (known) return known;
  const rtt: RttMs = { min: ms, avg: ms, max: ms };
  if (singleRtts.size < MAX_SHARED) singleRtts.set(ms, rtt);
  return rtt;
}

/** A list of addresses (an SA's `dialed`): most agents dial a peer at the same one address. */
export function sharedAddressList(addresses: Ipv4[]): Ipv4[] {
  const key = addresses.join(' ');
  const known = addressLists.get(key);
  if (known) return known;
  if (addressLists.size < MAX_SHARED * 8) addressLists.set(key, addresses);
  return addresses;
}
