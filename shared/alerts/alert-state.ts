import type { Cause } from '../domain/cause.js';
import type { Verdict } from '../domain/sweep-report.js';
import { alertId, type HostPair } from './pair-key.js';

export interface AlertPolicy {
  /** Consecutive failing sweeps (samples of the pair, under peer sampling) before an alert opens. */
  openAfter: number;
  /** Consecutive healthy sweeps (samples of the pair, under peer sampling) before an open alert resolves. */
  resolveAfter: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { openAfter: 2, resolveAfter: 2 };

/** What one sweep says about a pair, reduced to what the state machine needs. */
export type PairObservation =
  | { kind: 'failing'; cause: Cause; advice: string; evidence: string[] }
  | { kind: 'healthy' }
  /** The monitor could not tell (cause unknown, or no verdict): counts neither way. */
  | { kind: 'inconclusive' };

export interface PairAlertState {
  pair: HostPair;
  status: 'ok' | 'open';
  failStreak: number;
  okStreak: number;
  /** Set while open: fixed at opening so the alert keeps one identity and one cause. */
  alertId: string | null;
  openedAt: string | null;
  cause: Cause | null;
  advice: string | null;
  evidence: string[];
  /** startedAt of the newest sweep applied; older or repeated reports are ignored. */
  lastSweepAt: string | null;
  /** Last verdict per direction as "state/cause", keyed "a>b" and "b>a", to detect verdict changes. */
  lastVerdicts: Record<string, string>;
}

export type AlertTransitionKind = 'opened' | 'resolved';

/**
 * Sweeps count in the order they started: a report that started no later than the newest one
 * already applied (overlapping sweeps, a retried or delayed invocation) is late and changes nothing,
 * so it can neither open nor resolve an alert. `newestApplied` null: nothing applied yet.
 */
export function isLateSweep(newestApplied: string | null, startedAt: string): boolean {
  const started = Date.parse(startedAt);
  // An unreadable time cannot be placed in the order: treat it as late rather than let it count
  // (even first: as the newest applied it would let every later report through).
  if (!Number.isFinite(started)) return true;
  // Stryker disable next-line ConditionalExpression: equivalent, Date.parse(null) is NaN, which the last line reads as not late
  if (newestApplied === null) return false;
  const newest = Date.parse(newestApplied);
  return Number.isFinite(newest) && started <= newest;
}

export function initialAlertState(pair: HostPair): PairAlertState {
  return {
    pair,
    status: 'ok',
    failStreak: 0,
    okStreak: 0,
    alertId: null,
    openedAt: null,
    cause: null,
    advice: null,
    evidence: [],
    lastSweepAt: null,
    lastVerdicts: {},
  };
}

/**
 * Does a verdict page? A path that is down, a latent failure (traffic flows now but stops at the
 * next rekey, e.g. UDP 500 blocked under a live SA), or a host-level cause the monitor is sure of.
 * Packet loss alone is "degraded", never failing here: the sustained-loss rule judges it over a
 * window, so one lost echo never pages.
 */
export function observeVerdict(verdict: Verdict): PairObservation {
  const failing =
    verdict.state === 'down' ||
    (verdict.latent === true && verdict.cause !== 'ok') ||
    (verdict.state === 'unknown' && verdict.cause !== 'unknown' && verdict.cause !== 'ok');
  if (failing)
    return { kind: 'failing', cause: verdict.cause, advice: verdict.advice, evidence: verdict.evidence };
  if (verdict.state === 'unknown') return { kind: 'inconclusive' };
  return { kind: 'healthy' };
}

/** Both directions of a pair: failing if either fails (the first failing one names the cause). */
export function observePair(verdicts: readonly Verdict[]): PairObservation {
  const observations = verdicts.map(observeVerdict);
  const failing = observations.find((o) => o.kind === 'failing');
  if (failing) return failing;
  if (observations.length > 0 && observations.every((o) => o.kind === 'healthy')) return { kind: 'healthy' };
  return { kind: 'inconclusive' };
}

/** The hysteresis: pure, so flapping behaviour is unit-tested without storage. */
export function nextAlertState(
  prev: PairAlertState,
  observation: PairObservation,
  now: Date,
  policy: AlertPolicy = DEFAULT_ALERT_POLICY,
): { state: PairAlertState; transition: AlertTransitionKind | null } {
  if (observation.kind === 'inconclusive') return { state: prev, transition: null };
  if (observation.kind === 'healthy') {
    const okStreak = prev.okStreak + 1;
    if (prev.status === 'open' && okStreak >= policy.resolveAfter) {
      return {
        state: {
          ...prev,
          status: 'ok',
          failStreak: 0,
          okStreak,
          alertId: null,
          openedAt: null,
          cause: null,
          advice: null,
          evidence: [],
        },
        transition: 'resolved',
      };
    }
    return { state: { ...prev, failStreak: 0, okStreak }, transition: null };
  }
  const failStreak = prev.failStreak + 1;
  if (prev.status === 'ok' && failStreak >= policy.openAfter) {
    return {
      state: {
        ...prev,
        status: 'open',
        failStreak,
        okStreak: 0,
        alertId: alertId(prev.pair, now),
        openedAt: now.toISOString(),
        cause: observation.cause,
        advice: observation.advice,
        evidence: observation.evidence,
      },
      transition: 'opened',
    };
  }
  return { state: { ...prev, failStreak, okStreak: 0 }, transition: null };
}

export function validateAlertPolicy(policy: AlertPolicy): AlertPolicy {
  for (const field of ['openAfter', 'resolveAfter'] as const) {
    const value = policy[field];
    if (!Number.isInteger(value) || value < 1 || value > 100) {
      throw new Error(
        `alert policy: ${field} must be a whole number of sweeps from 1 to 100 (got ${String(value)})`,
      );
    }
  }
  return policy;
}
