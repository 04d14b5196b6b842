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
  /**
   * Both sides INSTALLED with each other's SPIs; `gap` = packets sent but never received, per
   * direction, of `sent` (what the sending end counted out); `skew` = the most packets one end
   * counted in beyond what the other counted out (see readSkew). Each null when the counters it
   * needs were not read twice.
   */
  | {
      kind: 'matched';
      gapForward: number | null;
      gapReverse: number | null;
      sentForward: number | null;
      sentReverse: number | null;
      skew: number | null;
    }
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
    const netForward = net(forward.packetsOutDelta, reverse.packetsInDelta);
    const netReverse = net(reverse.packetsOutDelta, forward.packetsInDelta);
    return {
      kind: 'matched',
      gapForward: netForward === null ? null : Math.max(0, netForward),
      gapReverse: netReverse === null ? null : Math.max(0, netReverse),
      sentForward: forward.packetsOutDelta ?? null,
      sentReverse: reverse.packetsOutDelta ?? null,
      skew: readSkew(netForward, netReverse),
    };
  }
  // A side that knows none of the other's SPIs holds SAs the other side forgot (or never had).
  if (fOut !== rIn && fIn !== rOut) return { kind: 'mismatched' };
  return { kind: 'unknown' };
}

/** Packets one end counted out minus what the other counted in, while each read its own counters twice. */
function net(sent: number | undefined, received: number | undefined): number | null {
  if (sent === undefined || received === undefined) return null;
  return sent - received;
}

/**
 * Each end reads its counters at the start of its own exec batch and when its own pings are done;
 * the two ends' batches start a moment apart, so each window holds some of the other end's traffic
 * the other window does not. Ping traffic comes in request/reply pairs, so what one window misses
 * moves the two directions' differences by about as much the opposite way: a direction whose end
 * counted *more* in than the other counted out shows at least that much misalignment, which can as
 * well make a gap in the other direction. The lab measured 1–9 packets of it in every sweep of 10
 * pings a path: as large as a one-way MTU black hole's loss (docs/diagnosis.md).
 */
function readSkew(netForward: number | null, netReverse: number | null): number | null {
  if (netForward === null && netReverse === null) return null;
  return Math.max(0, -(netForward ?? 0), -(netReverse ?? 0));
}

/**
 * Packets in flight while the two sides are read a moment apart make small gaps; a direction counts
 * as dropping only past this many unanswered packets beyond the misalignment the counters show
 * (`skew`), and well beyond the other direction's gap.
 */
export const MIN_GAP_PACKETS = 4;

/**
 * Misaligned windows can also fake a gap and hide the real one without any end counting more in than
 * the other counted out (one end misses whole request/reply pairs of the other's pings). Such a fake
 * gap is at most the traffic of the part of one window the other misses: the lab saw up to 15 % of
 * a direction's packets (5 of 33). A gap must also be at least this share of what its sender
 * counted out.
 */
export const MIN_GAP_SHARE = 0.25;

/**
 * Which way ESP is lost, from the counter gaps; null when the counters do not say. A gap must pass
 * the skew plus MIN_GAP_PACKETS and MIN_GAP_SHARE of its sender's packets: a small loss stays
 * unnamed, since misaligned reads alone made 4-packet gaps the wrong way in the lab
 * (docs/diagnosis.md). Better no direction than a wrong one, which sends an operator to the wrong
 * firewall rule. A one-way block loses all of a direction's packets and is named.
 */
export function lossDirection(pairing: SaPairing): Direction | null {
  // Stryker disable next-line ConditionalExpression: equivalent, only a matched pairing has gaps (both read as 0 otherwise)
  if (pairing.kind !== 'matched') return null;
  const f = pairing.gapForward ?? 0;
  const r = pairing.gapReverse ?? 0;
  const floor = MIN_GAP_PACKETS + (pairing.skew ?? 0);
  const fPasses = f >= floor && f >= MIN_GAP_SHARE * (pairing.sentForward ?? 0);
  const rPasses = r >= floor && r >= MIN_GAP_SHARE * (pairing.sentReverse ?? 0);
  if (fPasses && f >= 4 * r) return 'forward';
  if (rPasses && r >= 4 * f) return 'reverse';
  if (fPasses && rPasses) return 'both';
  return null;
}
