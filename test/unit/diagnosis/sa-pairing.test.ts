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
    ['the same child SA seen from both ends', up('a', 'b'), up('b', 'a'), matched(null, null)],
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
    ['h2’s spi-out missing', up('a', 'b'), up('b', ''), { kind: 'unknown' }],
  ])('%s', (_, forward, reverse, expected) => {
    expect(pairSas(forward, reverse)).toEqual(expected);
  });

  it('counts, per direction, the packets one end sent that the other never received during the sweep', () => {
    const forward = up('a', 'b', { packetsOutDelta: 30, packetsInDelta: 28 });
    const reverse = up('b', 'a', { packetsOutDelta: 28, packetsInDelta: 12 });
    expect(pairSas(forward, reverse)).toEqual(matched(18, 0));
    // A side whose second read is missing gives no gap for the directions it takes part in.
    expect(pairSas(up('a', 'b', { packetsOutDelta: 30 }), up('b', 'a', { packetsOutDelta: 5 }))).toEqual(
      matched(null, null),
    );
    expect(pairSas(up('a', 'b', { packetsInDelta: 30 }), up('b', 'a', { packetsInDelta: 5 }))).toEqual(
      matched(null, null),
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
    ['not a matched pair', { kind: 'mismatched' }, null],
    ['orphaned', { kind: 'orphaned', holder: 'forward' }, null],
  ])('%s', (_, pairing, expected) => {
    expect(lossDirection(pairing)).toBe(expected);
  });
});

function matched(gapForward: number | null, gapReverse: number | null): SaPairing {
  return { kind: 'matched', gapForward, gapReverse };
}
