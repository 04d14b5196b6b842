import type { Direction, SaDetail } from '../domain/sweep-report.js';

/**
 * Both ends of one tunnel, compared. A child SA is a pair of one-way SAs: this side's spi-out is the
 * peer's spi-in, and the packets one side counts out on it are the packets the other counts in.
 * Lost ESP therefore shows as a gap between what the sender counted out and what the receiver
 * counted in on the same SPI while this sweep's probes ran (two reads per side, so losses from
 * before the sweep, which stay in the counters for the SA's lifetime, do not count).
 */
export type SaPairing =
  | { kind: 'unknown' }
  /** Both sides INSTALLED with each other's SPIs; `gap` = packets sent but never received, per direction. */
  | { kind: 'matched'; gapForward: number | null; gapReverse: number | null }
  /** Both sides INSTALLED but neither side knows the other's SPIs. */
  | { kind: 'mismatched' }
  /**
   * One side INSTALLED, the other holds no SA for the pair at all although its connection is there:
   * the installed SA is a remnant the other side forgot (it restarted, or a DELETE was lost).
   */
  | { kind: 'orphaned'; holder: 'forward' | 'reverse' };

const installed = (d: SaDetail | null): d is SaDetail =>
  d !== null && d.ikeState === 'ESTABLISHED' && d.childState === 'INSTALLED';

/** Read, no IKE SA for the peer, and not known to lack the connection (that is a partial mesh). */
const forgotten = (d: SaDetail | null): boolean =>
  d !== null && d.daemon === undefined && d.ikeState === null && d.configured !== false;

export function pairSas(forward: SaDetail | null, reverse: SaDetail | null): SaPairing {
  if (installed(forward) && forgotten(reverse)) return { kind: 'orphaned', holder: 'forward' };
  if (installed(reverse) && forgotten(forward)) return { kind: 'orphaned', holder: 'reverse' };
  if (!installed(forward) || !installed(reverse)) return { kind: 'unknown' };
  const { spiIn: fIn, spiOut: fOut } = forward;
  const { spiIn: rIn, spiOut: rOut } = reverse;
  // Stryker disable next-line LogicalOperator: equivalent for fIn and fOut, an SPI missing there fails both comparisons below
  if (!fIn || !fOut || !rIn || !rOut) return { kind: 'unknown' };
  if (fOut === rIn && fIn === rOut) {
    return {
      kind: 'matched',
      gapForward: gap(forward.packetsOutDelta, reverse.packetsInDelta),
      gapReverse: gap(reverse.packetsOutDelta, forward.packetsInDelta),
    };
  }
  // A side that knows none of the other's SPIs holds SAs the other side forgot (or never had).
  if (fOut !== rIn && fIn !== rOut) return { kind: 'mismatched' };
  return { kind: 'unknown' };
}

function gap(sent: number | undefined, received: number | undefined): number | null {
  if (sent === undefined || received === undefined) return null;
  return Math.max(0, sent - received);
}

/**
 * Packets in flight while the two sides are read a moment apart make small gaps; a direction counts
 * as dropping only past this many unanswered packets and well beyond the other direction's gap.
 */
export const MIN_GAP_PACKETS = 4;

/** Which way ESP is lost, from the counter gaps; null when the counters do not say. */
export function lossDirection(pairing: SaPairing): Direction | null {
  // Stryker disable next-line ConditionalExpression: equivalent, only a matched pairing has gaps (both read as 0 otherwise)
  if (pairing.kind !== 'matched') return null;
  const f = pairing.gapForward ?? 0;
  const r = pairing.gapReverse ?? 0;
  const fDrops = f >= MIN_GAP_PACKETS && f >= 4 * r;
  const rDrops = r >= MIN_GAP_PACKETS && r >= 4 * f;
  if (fDrops) return 'forward';
  if (rDrops) return 'reverse';
  if (f >= MIN_GAP_PACKETS && r >= MIN_GAP_PACKETS) return 'both';
  return null;
}
