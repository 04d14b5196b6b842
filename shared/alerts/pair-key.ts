import type { HostName } from '../domain/host-name.js';

/**
 * Alerts are kept per UNORDERED host pair: an IPsec tunnel carries both directions, so a broken
 * tunnel is one thing to fix and pages once, whichever direction noticed it first.
 */
export interface HostPair {
  /** The name that sorts first. */
  a: HostName;
  b: HostName;
}

// "~" is outside the host-name alphabet and allowed in Table Storage keys, so keys stay readable.
const SEPARATOR = '~';

export function hostPair(x: HostName, y: HostName): HostPair {
  return x < y ? { a: x, b: y } : { a: y, b: x };
}

export function pairKey(pair: HostPair): string {
  return `${pair.a}${SEPARATOR}${pair.b}`;
}

/**
 * Stable for the whole life of one alert (opened and resolved events carry the same id) and
 * unique across alerts of the same pair because it includes the opening time.
 */
export function alertId(pair: HostPair, openedAt: Date): string {
  const compact = openedAt.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${pairKey(pair)}${SEPARATOR}${compact}`;
}
