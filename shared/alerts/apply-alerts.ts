import type { Cause } from '../domain/cause.js';
import type { HostName } from '../domain/host-name.js';
import { probedThisSweep, type State, type SweepReport, type Verdict } from '../domain/sweep-report.js';
import {
  type AlertPolicy,
  DEFAULT_ALERT_POLICY,
  initialAlertState,
  isLateSweep,
  nextAlertState,
  observePair,
  type PairAlertState,
  validateAlertPolicy,
} from './alert-state.js';
import { type AlertStore, AlertStoreConflict, type StoredAlertState } from './alert-store.js';
import { type HostPair, hostPair, pairKey } from './pair-key.js';

export interface AlertTransition {
  action: 'opened' | 'resolved';
  alertId: string;
  pair: HostPair;
  /** The cause the alert opened with. */
  cause: Cause;
  advice: string;
  evidence: string[];
  openedAt: string;
  /** Set on 'resolved'. */
  resolvedAt?: string;
  reason?: 'healed' | 'host-removed';
}

export interface OpenAlert {
  alertId: string;
  pair: HostPair;
  cause: Cause;
  advice: string;
  openedAt: string;
}

/** A directed verdict whose state or cause differs from the one the store remembered. */
export interface VerdictChange {
  verdict: Verdict;
  /** null when nothing was remembered (the pair was healthy or never seen). */
  previous: { state: State; cause: Cause } | null;
}

export interface AlertOutcome {
  transitions: AlertTransition[];
  verdictChanges: VerdictChange[];
  /** Every alert open after this sweep, including ones opened earlier. */
  open: OpenAlert[];
}

export interface ApplyAlertsOptions {
  policy?: AlertPolicy;
  /** Bounded retries per pair when another sweep wrote first. */
  maxAttempts?: number;
}

const HEALTHY_VERDICT = 'up/ok';

function directionKey(pair: HostPair, verdict: Verdict): string {
  return verdict.from === pair.a ? 'a>b' : 'b>a';
}

function isPristine(state: PairAlertState): boolean {
  return (
    state.status === 'ok' &&
    state.failStreak === 0 &&
    Object.values(state.lastVerdicts).every((v) => v === HEALTHY_VERDICT)
  );
}

interface PairDecision {
  next: PairAlertState | null; // null: delete the row
  transition: AlertTransition | null;
  verdictChanges: VerdictChange[];
}

function decide(
  current: PairAlertState,
  verdicts: readonly Verdict[] | undefined,
  removed: boolean,
  report: SweepReport,
  now: Date,
  policy: AlertPolicy,
): PairDecision | 'skip' {
  if (removed) {
    const transition = current.status === 'open' ? resolvedEvent(current, now, 'host-removed') : null;
    return { next: null, transition, verdictChanges: [] };
  }
  if (!verdicts) return 'skip'; // not measured this sweep: nothing to learn
  // An older or repeated report (overlapping sweeps, a retried invocation) must not count twice.
  if (isLateSweep(current.lastSweepAt, report.startedAt)) return 'skip';

  const { state, transition } = nextAlertState(current, observePair(verdicts), now, policy);
  const verdictChanges: VerdictChange[] = [];
  const lastVerdicts = { ...state.lastVerdicts };
  for (const verdict of verdicts) {
    const key = directionKey(current.pair, verdict);
    const text = `${verdict.state}/${verdict.cause}`;
    const before = current.lastVerdicts[key];
    if ((before ?? HEALTHY_VERDICT) !== text) {
      const [prevState, prevCause] = (before ?? '').split('/') as [State, Cause];
      verdictChanges.push({ verdict, previous: before ? { state: prevState, cause: prevCause } : null });
    }
    lastVerdicts[key] = text;
  }
  const next: PairAlertState = { ...state, lastSweepAt: report.startedAt, lastVerdicts };

  let event: AlertTransition | null = null;
  if (transition === 'opened' && next.alertId && next.cause && next.openedAt) {
    event = {
      action: 'opened',
      alertId: next.alertId,
      pair: next.pair,
      cause: next.cause,
      advice: next.advice ?? '',
      evidence: next.evidence,
      openedAt: next.openedAt,
    };
  } else if (transition === 'resolved') {
    event = resolvedEvent(current, now, 'healed');
  }
  return { next: isPristine(next) ? null : next, transition: event, verdictChanges };
}

async function write(
  store: AlertStore,
  stored: StoredAlertState | null,
  next: PairAlertState | null,
  key: string,
): Promise<void> {
  if (next === null) {
    if (stored) await store.remove(key, stored.etag);
    return;
  }
  await store.put(next, stored?.etag ?? null);
}

/**
 * Runs the alert state machine for every host pair in the report and every stored pair, with
 * optimistic concurrency: a pair whose row changed since it was read is re-read and decided again,
 * so two overlapping sweeps never both open (or both resolve) the same alert.
 */
export async function applyAlerts(
  store: AlertStore,
  report: SweepReport,
  configuredHosts: Iterable<HostName>,
  now: Date,
  options: ApplyAlertsOptions = {},
): Promise<AlertOutcome> {
  const policy = validateAlertPolicy(options.policy ?? DEFAULT_ALERT_POLICY);
  const maxAttempts = options.maxAttempts ?? 5;
  const configured = new Set<string>(configuredHosts);

  const verdictsByPair = new Map<string, { pair: HostPair; verdicts: Verdict[] }>();
  for (const verdict of report.verdicts) {
    if (verdict.from === verdict.to || !configured.has(verdict.from) || !configured.has(verdict.to)) continue;
    // Alerts count samples, not sweeps: a pair this sweep did not probe (peer sampling) neither
    // advances nor resets its streaks, and is not a verdict change.
    if (!probedThisSweep(verdict)) continue;
    const pair = hostPair(verdict.from, verdict.to);
    const key = pairKey(pair);
    const entry = verdictsByPair.get(key) ?? { pair, verdicts: [] };
    entry.verdicts.push(verdict);
    verdictsByPair.set(key, entry);
  }

  const late = !(await claimSweep(store, report.startedAt, maxAttempts));
  const listed = new Map((await store.list()).map((row) => [pairKey(row.state.pair), row]));
  const outcome: AlertOutcome = { transitions: [], verdictChanges: [], open: [] };
  if (late) {
    // A newer sweep has been applied: this report is history, the stored state stands as it is.
    for (const row of listed.values()) addOpen(outcome, row.state);
    outcome.open.sort((x, y) => pairKey(x.pair).localeCompare(pairKey(y.pair)));
    return outcome;
  }
  const keys = new Set([...verdictsByPair.keys(), ...listed.keys()]);

  for (const key of [...keys].sort()) {
    const fromReport = verdictsByPair.get(key);
    let stored: StoredAlertState | null = listed.get(key) ?? null;
    const pair = stored?.state.pair ?? fromReport!.pair;
    const removed = !configured.has(pair.a) || !configured.has(pair.b);
    for (let attempt = 1; ; attempt++) {
      const current = stored?.state ?? initialAlertState(pair);
      const decision = decide(current, fromReport?.verdicts, removed, report, now, policy);
      if (decision === 'skip') {
        addOpen(outcome, current);
        break;
      }
      try {
        const unchanged = decision.next === null ? stored === null : false;
        if (!unchanged) await write(store, stored, decision.next, key);
      } catch (error) {
        if (!(error instanceof AlertStoreConflict) || attempt >= maxAttempts) {
          if (error instanceof AlertStoreConflict) {
            throw new Error(
              `alert state: ${key} kept changing under ${maxAttempts} attempts; is another sweep stuck in a loop?`,
            );
          }
          throw error;
        }
        stored = await store.get(key);
        continue;
      }
      if (decision.transition) outcome.transitions.push(decision.transition);
      outcome.verdictChanges.push(...decision.verdictChanges);
      if (decision.next) addOpen(outcome, decision.next);
      break;
    }
  }
  return outcome;
}

/**
 * Moves the store's sweep mark to `startedAt`; false when the report is late (the mark is already
 * there or past it). Claimed before any pair is decided, so of two overlapping sweeps the older one
 * that comes second changes nothing.
 */
async function claimSweep(store: AlertStore, startedAt: string, maxAttempts: number): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const mark = await store.readSweepMark();
    if (isLateSweep(mark?.sweepAt ?? null, startedAt)) return false;
    try {
      await store.writeSweepMark(startedAt, mark?.etag ?? null);
      return true;
    } catch (error) {
      if (!(error instanceof AlertStoreConflict)) throw error;
      if (attempt >= maxAttempts) {
        throw new Error(
          `alert state: the sweep mark kept changing under ${maxAttempts} attempts; is another sweep stuck in a loop?`,
        );
      }
    }
  }
}

function addOpen(outcome: AlertOutcome, state: PairAlertState): void {
  if (state.status === 'open' && state.alertId && state.cause && state.openedAt) {
    outcome.open.push({
      alertId: state.alertId,
      pair: state.pair,
      cause: state.cause,
      advice: state.advice ?? '',
      openedAt: state.openedAt,
    });
  }
}

/**
 * Without an alert store (e.g. `sweep --export` without `--alert-state`) nothing is remembered:
 * every verdict that is not up/ok counts as a change, and no alert opens.
 */
export function statelessOutcome(report: SweepReport): AlertOutcome {
  return {
    transitions: [],
    verdictChanges: report.verdicts
      .filter((v) => probedThisSweep(v) && `${v.state}/${v.cause}` !== HEALTHY_VERDICT)
      .map((verdict) => ({ verdict, previous: null })),
    open: [],
  };
}

/** The `resolved` event of the alert `open` carries, or null when it lacks an identity to resolve. */
function resolvedEvent(
  open: PairAlertState,
  now: Date,
  reason: 'healed' | 'host-removed',
): AlertTransition | null {
  if (!open.alertId || !open.cause || !open.openedAt) return null;
  return {
    action: 'resolved',
    alertId: open.alertId,
    pair: open.pair,
    cause: open.cause,
    advice: open.advice ?? '',
    evidence: open.evidence,
    openedAt: open.openedAt,
    resolvedAt: now.toISOString(),
    reason,
  };
}
