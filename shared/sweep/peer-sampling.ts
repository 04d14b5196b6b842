import type { PeerSampling } from '../config/tunnelwatch-config.js';
import type { HostName } from '../domain/host-name.js';

/**
 * Which peers each agent probes in one sampled sweep (docs/scale.md). Pure and stateless: the
 * rotation index comes from the sweep's start time, so a cold Function start continues the
 * rotation where the last instance left it.
 *
 * Hosts are numbered in config order. Agent i probes host (i + d) mod N for the k offsets d in a
 * window of the offset sequence 1, N−1, 2, N−2, … (N/2 last when N is even). Window r starts at
 * r·k mod (N−1), so k consecutive windows per sweep tile the sequence: ⌈(N−1)/k⌉ consecutive
 * rotations cover every offset, hence every ordered pair, and every agent probes exactly k peers
 * (and is probed by exactly k). Offsets d and N−d sit side by side, so a sampled pair is usually
 * probed both ways in the same sweep (only a pair split at a window's edge is probed one way now
 * and the other way in the adjacent rotation).
 */
export interface SamplingPlan {
  /** The rotation index of this sweep. */
  rotation: number;
  /** One rotation step per this many ms of sweep start time (config `sweep.sampling.rotationMs`). */
  rotationMs: number;
  peersPerSweep: number;
  /** ⌈(N−1)/k⌉: every ordered pair is probed at least once in this many consecutive rotations. */
  cycleSweeps: number;
  /** The peers each host probes this sweep. */
  peers: ReadonlyMap<HostName, ReadonlySet<HostName>>;
}

/** Rounded, not floored: a timer that fires a little early or late still lands on its own step. */
export function rotationIndex(startedAt: Date, rotationMs: number): number {
  return Math.round(startedAt.getTime() / rotationMs);
}

export function cycleSweeps(hosts: number, peersPerSweep: number): number {
  return Math.ceil((hosts - 1) / peersPerSweep);
}

/** 1, N−1, 2, N−2, …: each offset next to its reverse, so most sampled pairs are probed both ways. */
export function offsetSequence(hosts: number): number[] {
  const offsets: number[] = [];
  for (let d = 1; d < hosts - d; d++) offsets.push(d, hosts - d);
  if (hosts % 2 === 0) offsets.push(hosts / 2);
  return offsets;
}

/** The k offsets agents probe at in rotation `rotation` (needs 1 ≤ k < N−1). */
export function sampledOffsets(hosts: number, peersPerSweep: number, rotation: number): number[] {
  const sequence = offsetSequence(hosts);
  const length = sequence.length;
  // Reduced first: rotation·k would lose precision for indexes derived from epoch milliseconds.
  const start = ((rotation % length) * peersPerSweep) % length;
  return Array.from({ length: peersPerSweep }, (_, j) => sequence[(start + j) % length]!);
}

/**
 * The plan for a sweep of `hosts` (config order) started at `startedAt`, or null when sampling is
 * off or the mesh is not larger than `aboveHosts` (every agent probes every peer).
 */
export function samplingPlan(
  sampling: PeerSampling | undefined,
  hosts: readonly HostName[],
  startedAt: Date,
): SamplingPlan | null {
  if (!sampling || hosts.length <= sampling.aboveHosts) return null;
  const n = hosts.length;
  const k = sampling.peersPerSweep;
  // The config guarantees k < aboveHosts < N, so k ≤ N−2; a full window would not be a sample.
  if (k >= n - 1) return null;
  const rotation = rotationIndex(startedAt, sampling.rotationMs);
  const offsets = sampledOffsets(n, k, rotation);
  const peers = new Map<HostName, ReadonlySet<HostName>>(
    hosts.map((host, i) => [host, new Set(offsets.map((d) => hosts[(i + d) % n]!))]),
  );
  return {
    rotation,
    rotationMs: sampling.rotationMs,
    peersPerSweep: k,
    cycleSweeps: cycleSweeps(n, k),
    peers,
  };
}

/** Was from→to probed (either way) in this sweep? Without a plan every pair is. */
export function pairSampled(plan: SamplingPlan | null, from: HostName, to: HostName): boolean {
  if (!plan) return true;
  return plan.peers.get(from)?.has(to) === true || plan.peers.get(to)?.has(from) === true;
}
