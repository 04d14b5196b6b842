import { DEFAULT_ENVIRONMENT } from '../../domain/environment-name.js';
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

/**
 * One sweep of the history strips, as flat arrays indexed `row × hosts + column` like the page's
 * data: a 200-host mesh has 39,800 pairs × 12 sweeps, too many to be an object each.
 */
export interface HistorySweep {
  startedAt: string;
  /** null: that sweep has no verdict for this pair (and on the diagonal). */
  states: (State | null)[];
  /** Peer sampling: that sweep did not probe the pair (its verdict was carried over, or not sampled yet). */
  carried: boolean[];
  /** The overlay ping's average. */
  rttMs: (number | null)[];
  lossRatio: (number | null)[];
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
  /** The sweeps of the history strips, oldest first, the latest last. */
  history: HistorySweep[];
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
  const n = hosts.length;
  const hostIndex = new Map(hosts.map((h, i) => [h.name, i]));
  // Pairs by their place in the matrix: string keys for 39,800 pairs × 12 sweeps cost most of a
  // 200-host page's render.
  // Results come grouped by source host, so the row is looked up once per run of them.
  let lastFrom: string | undefined;
  let lastRow: number | undefined;
  const pairIndex = (from: string, to: string): number => {
    if (from !== lastFrom) {
      lastFrom = from;
      lastRow = hostIndex.get(from);
    }
    const col = hostIndex.get(to);
    return lastRow === undefined || col === undefined || lastRow === col ? -1 : lastRow * n + col;
  };
  const verdicts = new Array<Verdict | undefined>(n * n);
  for (const v of latest.verdicts) {
    const i = pairIndex(v.from, v.to);
    if (i >= 0) verdicts[i] = v;
  }
  const paths = new Array<PathResult[] | undefined>(n * n);
  for (const p of latest.paths) {
    const i = pairIndex(p.from, p.to);
    if (i < 0) continue;
    const list = paths[i];
    if (list) list.push(p);
    else paths[i] = [p];
  }

  const counts: Record<State, number> = { up: 0, degraded: 0, down: 0, unknown: 0 };
  const cells = hosts.map((row, r) =>
    hosts.map((col, c) => {
      if (r === c) return null;
      const cell = buildCell(row.name, col.name, verdicts[r * n + c], paths[r * n + c] ?? []);
      counts[cell.state]++;
      return cell;
    }),
  );
  const sweeps = historySweeps(latest, history, historyLength).map((sweep) =>
    historySweep(sweep, n, pairIndex),
  );

  const finishedAtMs = sweepFinishedAt(latest);
  const ageMs = finishedAtMs === null ? null : now.getTime() - finishedAtMs;
  return {
    // Several environments: each page says which one it is.
    title:
      options.title ??
      (latest.environment === DEFAULT_ENVIRONMENT ? 'tunnelwatch' : `tunnelwatch · ${latest.environment}`),
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
    history: sweeps,
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
  const named = (name: string) => {
    if (byName.has(name)) return;
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
  };
  // Two loops, not one over a copy of both lists: a 200-host report has 280,000 of them.
  for (const v of report.verdicts) {
    named(v.from);
    named(v.to);
  }
  for (const p of report.paths) {
    named(p.from);
    named(p.to);
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

function historySweep(
  sweep: SweepReport,
  n: number,
  pairIndex: (from: string, to: string) => number,
): HistorySweep {
  const states = new Array<State | null>(n * n).fill(null);
  const carried = new Array<boolean>(n * n).fill(false);
  const rttMs = new Array<number | null>(n * n).fill(null);
  const lossRatio = new Array<number | null>(n * n).fill(null);
  for (const v of sweep.verdicts) {
    const i = pairIndex(v.from, v.to);
    if (i < 0) continue;
    states[i] = v.state;
    carried[i] = !probedThisSweep(v);
  }
  for (const p of sweep.paths) {
    if (p.probe !== CELL_PROBE) continue;
    const i = pairIndex(p.from, p.to);
    if (i < 0) continue;
    rttMs[i] = p.rttMs?.avg ?? null;
    lossRatio[i] = p.lossRatio ?? null;
  }
  return { startedAt: sweep.startedAt, states, carried, rttMs, lossRatio };
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
