import { PROBE_KINDS } from '../../domain/probe-kind.js';
import {
  type HostResult,
  type HostState,
  type PathResult,
  probedThisSweep,
  type State,
  type SweepReport,
  type Verdict,
  type VerdictSample,
  worstState,
} from '../../domain/sweep-report.js';
import { verdictQualifiers } from '../verdict-qualifiers.js';

/**
 * What the matrix page shows, derived purely from the latest report and its history. Stored reports
 * are checked against the report contract where they are read (history/report-row-codec.ts), so the
 * types here hold; strings stay opaque text for the renderer to escape.
 */

export interface MatrixPageOptions {
  /** How often sweeps run; data older than `staleAfterIntervals` of these looks stale. Default 60 s. */
  sweepIntervalMs?: number;
  /** Default 3. */
  staleAfterIntervals?: number;
  /** Sweeps shown in each path's history strip, the latest included. Default 12. */
  historyLength?: number;
  /** Page heading. Default "tunnelwatch". */
  title?: string;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
export const DEFAULT_STALE_AFTER_INTERVALS = 3;
export const DEFAULT_HISTORY_LENGTH = 12;

export interface HostProblem {
  code: string;
  message: string;
}

export interface HostHeader {
  name: string;
  state: HostState;
  underlayIp: string | null;
  agentContainerId: string | null;
  agentOverlayIp: string | null;
  agentAdvertisedIp: string | null;
  problems: HostProblem[];
}

export interface ProbeSummary {
  probe: string;
  state: State;
  sent: number | null;
  received: number | null;
  lossRatio: number | null;
  rttMs: { min: number; avg: number; max: number } | null;
  /** IKE outcome, SA state or the probe's error, as one short phrase. */
  note: string | null;
}

export interface HistoryPoint {
  startedAt: string;
  /** null: that sweep has no verdict for this pair. */
  state: State | null;
  /** Peer sampling: that sweep did not probe the pair (its verdict was carried over, or not sampled yet). */
  carried: boolean;
  rttMs: number | null;
  lossRatio: number | null;
}

export interface MatrixCell {
  from: string;
  to: string;
  state: State;
  cause: string;
  advice: string;
  evidence: string[];
  latent: boolean;
  /** Latent, the dropped direction, the path MTU: what the verdict says beyond its cause. */
  qualifiers: string[];
  /** Overlay ping: the path the workloads' traffic takes. */
  rttMs: number | null;
  lossRatio: number | null;
  probes: ProbeSummary[];
  /** Oldest first, the latest sweep last. */
  history: HistoryPoint[];
  /**
   * Peer sampling: whether the latest sweep probed this pair, or carried its last verdict (with its
   * age); null in a sweep that probed every pair. A carried cell has no probes of its own.
   */
  sample: VerdictSample | null;
}

export interface Freshness {
  startedAt: string;
  /** When the sweep finished (start + duration); null when the report's time is unreadable. */
  finishedAtMs: number | null;
  ageMs: number | null;
  staleAfterMs: number;
  stale: boolean;
}

export interface MatrixModel {
  title: string;
  status: State;
  durationMs: number | null;
  freshness: Freshness;
  hosts: HostHeader[];
  /** cells[row][column]; null on the diagonal. */
  cells: (MatrixCell | null)[][];
  /** Start times of the sweeps in the history strips, oldest first. */
  historySweeps: string[];
  counts: Record<State, number>;
}

const PROBE_ORDER = new Map<string, number>(PROBE_KINDS.map((p, i) => [p, i]));
/** The probe whose RTT and loss a cell shows. */
const CELL_PROBE = 'overlay-icmp';

export function buildMatrixModel(
  latest: SweepReport,
  history: readonly SweepReport[],
  now: Date,
  options: MatrixPageOptions = {},
): MatrixModel {
  const intervalMs = positiveOr(options.sweepIntervalMs, DEFAULT_SWEEP_INTERVAL_MS);
  const staleAfterMs = intervalMs * positiveOr(options.staleAfterIntervals, DEFAULT_STALE_AFTER_INTERVALS);
  const historyLength = Math.floor(positiveOr(options.historyLength, DEFAULT_HISTORY_LENGTH));

  const hosts = hostHeaders(latest);
  const sweeps = historySweeps(latest, history, historyLength);
  const verdictsBySweep = sweeps.map((s) => indexByPair(s.verdicts));
  // History needs only each pair's overlay ping: indexing every probe of 12 sweeps of a 50-host mesh
  // (150,000 paths) doubled the render time.
  const overlayBySweep = sweeps.map((s) => indexOverlayByPair(s.paths));
  const verdicts = indexByPair(latest.verdicts);
  const paths = indexPathsByPair(latest.paths);

  const counts: Record<State, number> = { up: 0, degraded: 0, down: 0, unknown: 0 };
  const cells = hosts.map((row) =>
    hosts.map((col) => {
      if (row.name === col.name) return null;
      const key = pairKey(row.name, col.name);
      const cell = buildCell(row.name, col.name, verdicts.get(key), paths.get(key) ?? []);
      cell.history = sweeps.map((sweep, i) => {
        const v = verdictsBySweep[i]!.get(key);
        const overlay = overlayBySweep[i]!.get(key);
        return {
          startedAt: sweep.startedAt,
          state: v ? v.state : null,
          carried: v !== undefined && !probedThisSweep(v),
          rttMs: overlay?.rttMs?.avg ?? null,
          lossRatio: overlay?.lossRatio ?? null,
        };
      });
      counts[cell.state]++;
      return cell;
    }),
  );

  const finishedAtMs = sweepFinishedAt(latest);
  const ageMs = finishedAtMs === null ? null : now.getTime() - finishedAtMs;
  return {
    title: options.title ?? 'tunnelwatch',
    status: latest.status,
    durationMs: latest.durationMs,
    freshness: {
      startedAt: latest.startedAt,
      finishedAtMs,
      ageMs,
      staleAfterMs,
      stale: ageMs === null || ageMs > staleAfterMs,
    },
    hosts,
    cells,
    historySweeps: sweeps.map((s) => s.startedAt),
    counts,
  };
}

function buildCell(from: string, to: string, verdict: Verdict | undefined, paths: PathResult[]): MatrixCell {
  const probes = paths
    .map(probeSummary)
    .sort((a, b) => (PROBE_ORDER.get(a.probe) ?? 99) - (PROBE_ORDER.get(b.probe) ?? 99));
  const overlay = cellProbe(paths);
  const state = verdict
    ? verdict.state
    : probes.length > 0
      ? worstState(probes.map((p) => p.state))
      : 'unknown';
  return {
    from,
    to,
    state,
    cause: verdict ? verdict.cause : 'unknown',
    advice: verdict ? verdict.advice : 'This sweep produced no verdict for this pair.',
    evidence: verdict ? verdict.evidence : [],
    latent: verdict?.latent === true,
    qualifiers: verdict ? verdictQualifiers(verdict) : [],
    rttMs: overlay?.rttMs?.avg ?? null,
    lossRatio: overlay?.lossRatio ?? null,
    probes,
    history: [],
    sample: verdict?.sample ?? null,
  };
}

function probeSummary(p: PathResult): ProbeSummary {
  return {
    probe: p.probe,
    state: p.state,
    sent: p.sent,
    received: p.received,
    lossRatio: p.lossRatio,
    rttMs: p.rttMs,
    note: probeNote(p),
  };
}

function probeNote(p: PathResult): string | null {
  const parts: string[] = [];
  if (p.ike) parts.push(`IKE ${p.ike.outcome}${p.ike.response ? ` (${p.ike.response})` : ''}`);
  if (p.mtu) {
    const { pmtu, ceiling } = p.mtu;
    parts.push(
      pmtu === null
        ? 'no sized ping passed'
        : `largest passing ${pmtu} bytes${pmtu >= ceiling ? ' (the ladder top)' : ''}`,
    );
  }
  if (p.sa) parts.push(`IKE SA ${p.sa.ikeState ?? 'none'}, child SA ${p.sa.childState ?? 'none'}`);
  if (p.error) parts.push(p.error);
  return parts.length > 0 ? parts.join('; ') : null;
}

function hostHeaders(report: SweepReport): HostHeader[] {
  const byName = new Map<string, HostHeader>();
  for (const h of report.hosts) {
    if (!byName.has(h.name)) byName.set(h.name, hostHeader(h));
  }
  // A host that only appears in paths or verdicts still gets a row, so no result is hidden.
  for (const item of [...report.verdicts, ...report.paths]) {
    for (const name of [item.from, item.to]) {
      if (!byName.has(name)) {
        byName.set(name, {
          name,
          state: 'unknown',
          underlayIp: null,
          agentContainerId: null,
          agentOverlayIp: null,
          agentAdvertisedIp: null,
          problems: [
            { code: 'not-in-report', message: 'This host has results but no host entry in the report.' },
          ],
        });
      }
    }
  }
  return [...byName.values()];
}

function hostHeader(h: HostResult): HostHeader {
  const problems: HostProblem[] = (h.findings ?? []).map((f) => ({ code: f.code, message: f.message }));
  if (problems.length === 0 && h.error) problems.push({ code: 'error', message: h.error });
  return {
    name: h.name,
    state: h.state,
    underlayIp: h.underlayIp ?? null,
    agentContainerId: h.agent?.containerId || null,
    agentOverlayIp: h.agent?.overlayIp ?? null,
    agentAdvertisedIp: h.agent?.advertisedIp ?? null,
    problems,
  };
}

function historySweeps(latest: SweepReport, history: readonly SweepReport[], length: number): SweepReport[] {
  const latestAt = Date.parse(latest.startedAt);
  const byStart = new Map<string, SweepReport>();
  for (const r of history) {
    if (Date.parse(r.startedAt) <= latestAt) byStart.set(r.startedAt, r);
  }
  byStart.set(latest.startedAt, latest);
  return [...byStart.values()]
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .slice(-length);
}

function sweepFinishedAt(report: SweepReport): number | null {
  const started = Date.parse(report.startedAt);
  return Number.isNaN(started) ? null : started + report.durationMs;
}

function cellProbe(paths: PathResult[]): PathResult | undefined {
  return paths.find((p) => p.probe === CELL_PROBE);
}

function pairKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function indexByPair(verdicts: Verdict[]): Map<string, Verdict> {
  const map = new Map<string, Verdict>();
  for (const v of verdicts) map.set(pairKey(v.from, v.to), v);
  return map;
}

function indexOverlayByPair(paths: PathResult[]): Map<string, PathResult> {
  const map = new Map<string, PathResult>();
  for (const p of paths) if (p.probe === CELL_PROBE) map.set(pairKey(p.from, p.to), p);
  return map;
}

function indexPathsByPair(paths: PathResult[]): Map<string, PathResult[]> {
  const map = new Map<string, PathResult[]>();
  for (const p of paths) {
    const key = pairKey(p.from, p.to);
    const list = map.get(key);
    if (list) list.push(p);
    else map.set(key, [p]);
  }
  return map;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
