import { describe, expect, it } from 'vitest';
import {
  lossDirection,
  MIN_GAP_PACKETS,
  pairSas,
  type SaPairing,
} from '../../../shared/diagnosis/sa-pairing.js';
import type { SaDetail } from '../../../shared/domain/sweep-report.js';

// Both ends of one tunnel: h1's SA detail for h2 (forward) and h2's for h1 (reverse).
const up = (spiIn: string, spiOut: string, extra: Partial<SaDetail> = {}): SaDetail => ({
  ikeState: 'ESTABLISHED',
  childState: 'INSTALLED',
  spiIn,
  spiOut,
  ...extra,
});
const none: SaDetail = { ikeState: null, childState: null };

describe('pairSas', () => {
  it.each<[string, SaDetail | null, SaDetail | null, SaPairing]>([
    [
      'the same child SA seen from both ends',
      up('a', 'b'),
      up('b', 'a'),
      matched(null, null, null, null, null),
    ],
    ['neither side knows the other’s SPIs', up('a', 'b'), up('c', 'd'), { kind: 'mismatched' }],
    // Half a match is neither: one direction's SPIs agree, the other's do not.
    ['only the forward SPIs agree', up('a', 'b'), up('b', 'x'), { kind: 'unknown' }],
    ['only the reverse SPIs agree', up('a', 'b'), up('x', 'a'), { kind: 'unknown' }],
    ['h2 forgot the SA h1 still holds', up('a', 'b'), none, { kind: 'orphaned', holder: 'forward' }],
    ['h1 forgot the SA h2 still holds', none, up('b', 'a'), { kind: 'orphaned', holder: 'reverse' }],
    // A side that cannot read its SAs, or has no connection for the peer, forgot nothing.
    ['h2’s charon does not answer', up('a', 'b'), { ...none, daemon: 'unreachable' }, { kind: 'unknown' }],
    [
      'h2 has no connection for h1 (partial mesh)',
      up('a', 'b'),
      { ...none, configured: false },
      { kind: 'unknown' },
    ],
    ['h2 still negotiating', up('a', 'b'), { ikeState: 'CONNECTING', childState: null }, { kind: 'unknown' }],
    [
      'h1’s IKE SA up but its child not installed',
      up('a', 'b', { childState: 'REKEYING' }),
      up('b', 'a'),
      { kind: 'unknown' },
    ],
    [
      'h1’s child installed under a dying IKE SA',
      up('a', 'b', { ikeState: 'DELETING' }),
      none,
      { kind: 'unknown' },
    ],
    ['one side unread', up('a', 'b'), null, { kind: 'unknown' }],
    ['both sides unread', null, null, { kind: 'unknown' }],
    ['an SPI missing on either side', up('a', ''), up('', 'a'), { kind: 'unknown' }],
    ['h1’s spi-in missing', up('', 'b'), up('b', 'a'), { kind: 'unknown' }],
    // Not "mismatched": an SPI h1 did not print is not one it does not know.
    ['h1’s spi-in missing, the rest unlike', up('', 'x'), up('y', 'z'), { kind: 'unknown' }],
    ['h1’s spi-out missing, the rest unlike', up('x', ''), up('y', 'z'), { kind: 'unknown' }],
    ['h2’s spi-out missing', up('a', 'b'), up('b', ''), { kind: 'unknown' }],
  ])('%s', (_, forward, reverse, expected) => {
    expect(pairSas(forward, reverse)).toEqual(expected);
  });

  it('counts, per direction, the packets one end sent that the other never received during the sweep', () => {
    const forward = up('a', 'b', { packetsOutDelta: 30, packetsInDelta: 28 });
    const reverse = up('b', 'a', { packetsOutDelta: 28, packetsInDelta: 12 });
    expect(pairSas(forward, reverse)).toEqual(matched(18, 0, 0, 30, 28));
    // A side whose second read is missing gives no gap for the directions it takes part in.
    expect(pairSas(up('a', 'b', { packetsOutDelta: 30 }), up('b', 'a', { packetsOutDelta: 5 }))).toEqual(
      matched(null, null, null, 30, 5),
    );
    expect(pairSas(up('a', 'b', { packetsInDelta: 30 }), up('b', 'a', { packetsInDelta: 5 }))).toEqual(
      matched(null, null, null),
    );
  });

  it('takes an end that counted more in than the other counted out as the two reads’ misalignment', () => {
    // h2 counted 8 packets in from h1 that h1 never counted out: their windows were 8 packets apart.
    const forward = up('a', 'b', { packetsOutDelta: 25, packetsInDelta: 30 });
    const reverse = up('b', 'a', { packetsOutDelta: 26, packetsInDelta: 33 });
    expect(pairSas(forward, reverse)).toEqual(matched(0, 0, 8, 25, 26));
    expect(pairSas(reverse, forward)).toEqual(matched(0, 0, 8, 26, 25));
    // The larger of the two directions' shortfalls counts; a gap elsewhere does not shrink it.
    expect(
      pairSas(
        up('a', 'b', { packetsOutDelta: 30, packetsInDelta: 27 }),
        up('b', 'a', { packetsOutDelta: 25, packetsInDelta: 24 }),
      ),
    ).toEqual(matched(6, 0, 2, 30, 25));
    // One direction's counters alone still show it.
    expect(pairSas(up('a', 'b', { packetsInDelta: 12 }), up('b', 'a', { packetsOutDelta: 9 }))).toEqual(
      matched(null, 0, 3, null, 9),
    );
    expect(pairSas(up('a', 'b', { packetsOutDelta: 9 }), up('b', 'a', { packetsInDelta: 12 }))).toEqual(
      matched(0, null, 3, 9, null),
    );
  });
});

describe('lossDirection', () => {
  const M = MIN_GAP_PACKETS;
  it.each<[string, SaPairing, ReturnType<typeof lossDirection>]>([
    ['a gap from h1 to h2 only', matched(M, 0), 'forward'],
    ['a gap from h2 to h1 only', matched(0, M), 'reverse'],
    ['just under the threshold says nothing', matched(M - 1, 0), null],
    ['just under the threshold the other way', matched(0, M - 1), null],
    ['forward four times the reverse gap', matched(4 * M, M), 'forward'],
    ['reverse four times the forward gap', matched(M, 4 * M), 'reverse'],
    ['both gaps large and alike', matched(2 * M, 2 * M), 'both'],
    ['forward over four times a reverse gap under the threshold', matched(4 * M, M - 1), 'forward'],
    ['both at the threshold exactly', matched(M, M), 'both'],
    ['forward large, reverse just under the threshold', matched(3 * M, M - 1), 'forward'],
    ['forward over the threshold, reverse more than a quarter of it but under', matched(M + 1, M - 1), null],
    ['reverse over the threshold, forward more than a quarter of it but under', matched(M - 1, M + 1), null],
    ['no counters', matched(null, null), null],
    // Misaligned reads raise the floor by as many packets as they show.
    ['a forward gap at the floor plus the skew', matched(M + 3, 0, 3), 'forward'],
    ['a forward gap one short of the floor plus the skew', matched(M + 2, 0, 3), null],
    ['a reverse gap at the floor plus the skew', matched(0, M + 3, 3), 'reverse'],
    ['a reverse gap one short of the floor plus the skew', matched(0, M + 2, 3), null],
    ['both gaps at the floor plus the skew', matched(M + 3, M + 3, 3), 'both'],
    ['both gaps one short of the floor plus the skew', matched(M + 2, M + 2, 3), null],
    // A gap must also be a quarter of what its sender counted out.
    ['a forward gap of a quarter of its packets', matched(8, 0, 0, 32, 30), 'forward'],
    ['a forward gap just under a quarter', matched(7, 0, 0, 32, 30), null],
    ['a reverse gap of a quarter of its packets', matched(0, 8, 0, 30, 32), 'reverse'],
    ['a reverse gap just under a quarter', matched(0, 7, 0, 30, 32), null],
    ['both gaps a quarter', matched(8, 8, 0, 32, 32), 'both'],
    ['both gaps large, one under a quarter', matched(8, 8, 0, 32, 33), null],
    ['not a matched pair', { kind: 'mismatched' }, null],
    ['orphaned', { kind: 'orphaned', holder: 'forward' }, null],
  ])('%s', (_, pairing, expected) => {
    expect(lossDirection(pairing)).toBe(expected);
  });
});

/**
 * Packet counter deltas the lab measured on the tunnel h1↔h2 under `mtu-blackhole h1 h2 1400
 * --one-way` (only h1→h2 loses its 1400-byte packets, 4 a sweep; 10 pings a path at 0.2 s), 18 sweeps
 * on 2026-12-06: [h1 out, h1 in, h2 out, h2 in]. The gaps alone named h2→h1 in one of them.
 */
const LAB_ONE_WAY_MTU: ReadonlyArray<readonly [number, number, number, number]> = [
  [30, 33, 25, 24],
  [30, 29, 25, 24],
  [31, 34, 25, 24],
  [26, 25, 28, 31],
  [26, 25, 28, 31],
  [26, 29, 24, 23],
  [30, 29, 25, 24],
  [26, 25, 28, 27],
  [30, 29, 25, 24],
  [25, 24, 25, 28],
  [30, 33, 25, 24],
  [30, 29, 25, 24],
  [25, 24, 25, 26],
  [26, 25, 29, 32],
  [30, 29, 25, 24],
  [26, 25, 24, 23],
  [26, 25, 24, 23],
  [26, 25, 24, 23],
];

/**
 * The same, 18 sweeps more, with the batch changed to start its pings only after the first SA read
 * (tried and not kept): the reads were misaligned by whole request/reply pairs, which no end shows as
 * counting more in than the other counted out, and the gaps alone named h2→h1 in 7 sweeps.
 */
const LAB_ONE_WAY_MTU_PAIRS_MISSED: ReadonlyArray<readonly [number, number, number, number]> = [
  [36, 34, 34, 32],
  [31, 29, 33, 31],
  [35, 33, 30, 28],
  [36, 34, 34, 32],
  [35, 33, 30, 28],
  [35, 33, 30, 28],
  [31, 29, 33, 31],
  [35, 33, 30, 28],
  [31, 29, 33, 31],
  [36, 34, 32, 28],
  [31, 29, 34, 32],
  [36, 34, 30, 28],
  [36, 34, 30, 28],
  [36, 34, 30, 28],
  [31, 29, 33, 31],
  [31, 29, 33, 31],
  [31, 29, 33, 31],
  [31, 29, 33, 31],
];

describe('the direction on counters the lab measured', () => {
  it.each([...LAB_ONE_WAY_MTU, ...LAB_ONE_WAY_MTU_PAIRS_MISSED].map((deltas, i) => [i + 1, deltas] as const))(
    'sweep %i names no direction the loss did not take',
    (_, [h1Out, h1In, h2Out, h2In]) => {
      const pairing = pairSas(
        up('a', 'b', { packetsOutDelta: h1Out, packetsInDelta: h1In }),
        up('b', 'a', { packetsOutDelta: h2Out, packetsInDelta: h2In }),
      );
      expect([null, 'forward']).toContain(lossDirection(pairing));
    },
  );

  it('still names the direction of a one-way UDP 4500 block, whose gap dwarfs the misalignment', () => {
    // h1's packets to h2 all lost: h2 counts none in and answers none of h1's pings; h1 answers h2's
    // 18 and counted 2 more in than h2 counted out (reads 2 packets apart).
    const pairing = pairSas(
      up('a', 'b', { packetsOutDelta: 36, packetsInDelta: 20 }),
      up('b', 'a', { packetsOutDelta: 18, packetsInDelta: 0 }),
    );
    expect(lossDirection(pairing)).toBe('forward');
  });
});

/** A matched pairing; what each sender counted out defaults to its gap (all of it lost). */
function matched(
  gapForward: number | null,
  gapReverse: number | null,
  skew: number | null = 0,
  sentForward: number | null = gapForward,
  sentReverse: number | null = gapReverse,
): SaPairing {
  return { kind: 'matched', gapForward, gapReverse, sentForward, sentReverse, skew };
}
