import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import {
  cycleSweeps,
  offsetSequence,
  pairSampled,
  rotationIndex,
  samplingPlan,
} from '../../../shared/sweep/peer-sampling.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `h${i}` as HostName);
const ROTATION_MS = 60_000;
// A sweep started at rotation r (plus a little timer jitter).
const at = (r: number, jitterMs = 0) => new Date(r * ROTATION_MS + jitterMs);
const planFor = (hosts: HostName[], k: number, r: number) => {
  const plan = samplingPlan({ aboveHosts: k + 1, peersPerSweep: k, rotationMs: ROTATION_MS }, hosts, at(r));
  if (!plan) throw new Error(`no plan for N=${hosts.length} k=${k}`);
  return plan;
};
// Starting points: the epoch, small numbers, and today's minute count (large rotation indexes).
const STARTS = [0, 1, 7, 29_412_345];

describe('peer sampling rotation', () => {
  it('offsets 1..N−1 each once, every offset next to its reverse', () => {
    for (let n = 3; n <= 40; n++) {
      const seq = offsetSequence(n);
      expect([...seq].sort((a, b) => a - b)).toEqual(Array.from({ length: n - 1 }, (_, i) => i + 1));
      for (let i = 0; i + 1 < seq.length; i += 2) expect(seq[i]! + seq[i + 1]!).toBe(n);
    }
  });

  it('per sweep every agent probes exactly k distinct peers, never itself, and is probed by exactly k', () => {
    // Checked in bulk (one assertion per N) so 40 × 40 × 4 plans stay quick.
    for (let n = 4; n <= 40; n++) {
      const hosts = names(n);
      const wrong: string[] = [];
      for (let k = 1; k <= n - 2; k++) {
        for (const r of STARTS) {
          const plan = planFor(hosts, k, r);
          const probedBy = new Map<HostName, number>();
          for (const host of hosts) {
            const peers = plan.peers.get(host)!;
            if (peers.size !== k || peers.has(host)) wrong.push(`k=${k} r=${r} ${host} probes ${[...peers]}`);
            for (const p of peers) probedBy.set(p, (probedBy.get(p) ?? 0) + 1);
          }
          for (const host of hosts)
            if (probedBy.get(host) !== k) wrong.push(`k=${k} r=${r} ${host} probed by ${probedBy.get(host)}`);
        }
      }
      expect(wrong, `N=${n}`).toEqual([]);
    }
  });

  it('every ordered pair is probed within ⌈(N−1)/k⌉ consecutive rotations, from any start', () => {
    for (let n = 4; n <= 40; n++) {
      const hosts = names(n);
      for (let k = 1; k <= n - 2; k++) {
        const bound = cycleSweeps(n, k);
        expect(bound).toBe(Math.ceil((n - 1) / k));
        for (const start of [...STARTS, n, 2 * n + 3]) {
          const covered = new Set<string>();
          for (let r = start; r < start + bound; r++) {
            for (const [from, peers] of planFor(hosts, k, r).peers)
              for (const to of peers) covered.add(`${from}>${to}`);
          }
          expect(covered.size, `N=${n} k=${k} start=${start}`).toBe(n * (n - 1));
        }
      }
    }
  });

  it('the bound is tight: one rotation fewer misses some pair', () => {
    for (const [n, k] of [
      [10, 3],
      [25, 4],
      [40, 13],
    ] as const) {
      const hosts = names(n);
      const covered = new Set<string>();
      for (let r = 0; r < cycleSweeps(n, k) - 1; r++)
        for (const [from, peers] of planFor(hosts, k, r).peers)
          for (const to of peers) covered.add(`${from}>${to}`);
      expect(covered.size).toBeLessThan(n * (n - 1));
    }
  });

  it('with k even and N odd every sampled pair is probed both ways in the same sweep', () => {
    const hosts = names(21);
    for (const r of STARTS) {
      const plan = planFor(hosts, 4, r);
      for (const [from, peers] of plan.peers)
        for (const to of peers) expect(plan.peers.get(to)!.has(from)).toBe(true);
    }
  });

  it('is off at or below aboveHosts, and when sampling is not configured', () => {
    const sampling = { aboveHosts: 10, peersPerSweep: 3, rotationMs: ROTATION_MS };
    expect(samplingPlan(sampling, names(10), at(5))).toBeNull();
    expect(samplingPlan(undefined, names(30), at(5))).toBeNull();
    expect(samplingPlan(sampling, names(11), at(5))).not.toBeNull();
    expect(pairSampled(null, 'h0' as HostName, 'h5' as HostName)).toBe(true);
  });

  it('is off when k peers would be every peer anyway, even from settings the schema did not check', () => {
    const loose = (k: number) => ({ aboveHosts: 2, peersPerSweep: k, rotationMs: ROTATION_MS });
    expect(samplingPlan(loose(4), names(5), at(5))).toBeNull();
    expect(samplingPlan(loose(6), names(5), at(5))).toBeNull();
    expect(samplingPlan(loose(3), names(5), at(5))?.peersPerSweep).toBe(3);
  });

  it('a host the plan does not know (added since) is not sampled, and asking does not throw', () => {
    const plan = planFor(names(12), 3, 4);
    expect(pairSampled(plan, 'h99' as HostName, 'h1' as HostName)).toBe(false);
    expect(pairSampled(plan, 'h1' as HostName, 'h99' as HostName)).toBe(false);
  });

  it('a pair counts as sampled when it was probed either way', () => {
    const hosts = names(12);
    const plan = planFor(hosts, 3, 4);
    for (const from of hosts)
      for (const to of hosts) {
        if (from === to) continue;
        const expected = plan.peers.get(from)!.has(to) || plan.peers.get(to)!.has(from);
        expect(pairSampled(plan, from, to)).toBe(expected);
      }
  });

  it('rotation steps once per interval, whether the timer fires a little early or late', () => {
    expect(rotationIndex(at(100, -900), ROTATION_MS)).toBe(100);
    expect(rotationIndex(at(100, 2_500), ROTATION_MS)).toBe(100);
    expect(rotationIndex(at(101, -50), ROTATION_MS)).toBe(101);
    // The same start time on another instance (a cold start) gives the same peers.
    expect(planFor(names(15), 4, 33).peers).toEqual(planFor(names(15), 4, 33).peers);
  });
});
