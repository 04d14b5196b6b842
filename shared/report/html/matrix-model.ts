import { PROBE_KINDS } from '../../domain/probe-kind.js';
import {
  type HostResult,
  type HostState,
  type PathResult,
  STATES,
  type State,
  type SweepReport,
  type Verdict,
  worstState,
} from '../../domain/sweep-report.js';

/**
 * What the matrix page shows, derived purely from the latest report and its history. Reports are
 * read back from storage, so nothing here trusts a field's type: unknown states become `unknown`,
 * non-finite numbers become null, and strings stay opaque text for the renderer to escape.
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
  /** Overlay ping: the path the workloads' traffic takes. */
  rttMs: number | null;
  lossRatio: number | null;
  probes: ProbeSummary[];
  /** Oldest first, the latest sweep last. */
  history: HistoryPoint[];
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

const STATE_SET = new Set<string>(STATES);
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
  const verdictsBySweep = sweeps.map((s) => indexByPair(asArray<Verdict>(s.verdicts)));
  // History needs only each pair's overlay ping: indexing every probe of 12 sweeps of a 50-host mesh
  // (150,000 paths) doubled the render time.
  const overlayBySweep = sweeps.map((s) => indexOverlayByPair(asArray<PathResult>(s.paths)));
  const verdicts = indexByPair(asArray<Verdict>(latest.verdicts));
  const paths = indexPathsByPair(asArray<PathResult>(latest.paths));

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
          startedAt: text(sweep.startedAt),
          state: v ? stateOf(v.state) : null,
          rttMs: finiteOrNull(overlay?.rttMs?.avg),
          lossRatio: finiteOrNull(overlay?.lossRatio),
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
    status: stateOf(latest.status),
    durationMs: finiteOrNull(latest.durationMs),
    freshness: {
      startedAt: text(latest.startedAt),
      finishedAtMs,
      ageMs,
      staleAfterMs,
      stale: ageMs === null || ageMs > staleAfterMs,
    },
    hosts,
    cells,
    historySweeps: sweeps.map((s) => text(s.startedAt)),
    counts,
  };
}

function buildCell(from: string, to: string, verdict: Verdict | undefined, paths: PathResult[]): MatrixCell {
  const probes = paths
    .map(probeSummary)
    .sort((a, b) => (PROBE_ORDER.get(a.probe) ?? 99) - (PROBE_ORDER.get(b.probe) ?? 99));
  const overlay = cellProbe(paths);
  const state = verdict
    ? stateOf(verdict.state)
    : probes.length > 0
      ? worstState(probes.map((p) => p.state))
      : 'unknown';
  return {
    from,
    to,
    state,
    cause: verdict ? text(verdict.cause) : 'unknown',
    advice: verdict ? text(verdict.advice) : 'This sweep produced no verdict for this pair.',
    evidence: verdict ? asArray<unknown>(verdict.evidence).map(text) : [],
    latent: verdict?.latent === true,
    rttMs: finiteOrNull(overlay?.rttMs?.avg),
    lossRatio: finiteOrNull(overlay?.lossRatio),
    probes,
    history: [],
  };
}

function probeSummary(p: PathResult): ProbeSummary {
  const rtt = p.rttMs;
  const min = finiteOrNull(rtt?.min);
  const avg = finiteOrNull(rtt?.avg);
  const max = finiteOrNull(rtt?.max);
  return {
    probe: text(p.probe),
    state: stateOf(p.state),
    sent: finiteOrNull(p.sent),
    received: finiteOrNull(p.received),
    lossRatio: finiteOrNull(p.lossRatio),
    rttMs: min !== null && avg !== null && max !== null ? { min, avg, max } : null,
    note: probeNote(p),
  };
}

function probeNote(p: PathResult): string | null {
  const parts: string[] = [];
  if (p.ike && typeof p.ike === 'object') {
    parts.push(`IKE ${text(p.ike.outcome)}${p.ike.response ? ` (${text(p.ike.response)})` : ''}`);
  }
  if (p.sa && typeof p.sa === 'object') {
    parts.push(`IKE SA ${text(p.sa.ikeState ?? 'none')}, child SA ${text(p.sa.childState ?? 'none')}`);
  }
  if (p.error) parts.push(text(p.error));
  return parts.length > 0 ? parts.join('; ') : null;
}

function hostHeaders(report: SweepReport): HostHeader[] {
  const byName = new Map<string, HostHeader>();
  for (const h of asArray<HostResult>(report.hosts)) {
    const name = text(h?.name);
    if (name === '' || byName.has(name)) continue;
    byName.set(name, hostHeader(h));
  }
  // A host that only appears in paths or verdicts still gets a row, so no result is hidden.
  for (const item of [...asArray<Verdict>(report.verdicts), ...asArray<PathResult>(report.paths)]) {
    for (const end of [item?.from, item?.to]) {
      const name = text(end);
      if (name !== '' && !byName.has(name)) {
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
  const problems: HostProblem[] = [];
  for (const f of asArray<unknown>(h.findings)) {
    if (f === null || typeof f !== 'object') continue;
    const finding = f as { code?: unknown; message?: unknown };
    problems.push({ code: text(finding.code), message: text(finding.message) });
  }
  if (problems.length === 0 && h.error) problems.push({ code: 'error', message: text(h.error) });
  const state: HostState = h.state === 'up' || h.state === 'down' ? h.state : 'unknown';
  return {
    name: text(h.name),
    state,
    underlayIp: h.underlayIp ? text(h.underlayIp) : null,
    agentContainerId: h.agent?.containerId ? text(h.agent.containerId) : null,
    agentOverlayIp: h.agent?.overlayIp ? text(h.agent.overlayIp) : null,
    agentAdvertisedIp: h.agent?.advertisedIp ? text(h.agent.advertisedIp) : null,
    problems,
  };
}

function historySweeps(latest: SweepReport, history: readonly SweepReport[], length: number): SweepReport[] {
  const latestAt = Date.parse(text(latest.startedAt));
  const byStart = new Map<string, SweepReport>();
  for (const r of history) {
    const at = Date.parse(text(r?.startedAt));
    if (Number.isNaN(at) || (!Number.isNaN(latestAt) && at > latestAt)) continue;
    byStart.set(text(r.startedAt), r);
  }
  byStart.set(text(latest.startedAt), latest);
  return [...byStart.values()]
    .sort((a, b) => (Date.parse(text(a.startedAt)) || 0) - (Date.parse(text(b.startedAt)) || 0))
    .slice(-length);
}

function sweepFinishedAt(report: SweepReport): number | null {
  const started = Date.parse(text(report.startedAt));
  if (Number.isNaN(started)) return null;
  return started + (finiteOrNull(report.durationMs) ?? 0);
}

function cellProbe(paths: PathResult[]): PathResult | undefined {
  return paths.find((p) => p.probe === CELL_PROBE);
}

function pairKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

function indexByPair(verdicts: Verdict[]): Map<string, Verdict> {
  const map = new Map<string, Verdict>();
  for (const v of verdicts) if (v && typeof v === 'object') map.set(pairKey(text(v.from), text(v.to)), v);
  return map;
}

function indexOverlayByPair(paths: PathResult[]): Map<string, PathResult> {
  const map = new Map<string, PathResult>();
  for (const p of paths) if (p && p.probe === CELL_PROBE) map.set(pairKey(text(p.from), text(p.to)), p);
  return map;
}

function indexPathsByPair(paths: PathResult[]): Map<string, PathResult[]> {
  const map = new Map<string, PathResult[]>();
  for (const p of paths) {
    if (!p || typeof p !== 'object') continue;
    const key = pairKey(text(p.from), text(p.to));
    const list = map.get(key);
    if (list) list.push(p);
    else map.set(key, [p]);
  }
  return map;
}

function stateOf(value: unknown): State {
  return typeof value === 'string' && STATE_SET.has(value) ? (value as State) : 'unknown';
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
