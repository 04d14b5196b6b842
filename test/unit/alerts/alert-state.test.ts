import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_POLICY,
  initialAlertState,
  nextAlertState,
  observePair,
  observeVerdict,
  type PairAlertState,
  type PairObservation,
  validateAlertPolicy,
} from '../../../shared/alerts/alert-state.js';
import { alertId, hostPair, pairKey } from '../../../shared/alerts/pair-key.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Verdict } from '../../../shared/domain/sweep-report.js';

const h = (name: string) => name as HostName;
const pair = hostPair(h('h2'), h('h1'));
const fail: PairObservation = {
  kind: 'failing',
  cause: 'udp-500-blocked',
  advice: 'Allow UDP 500.',
  evidence: ['UDP 500: no answer'],
};
const ok: PairObservation = { kind: 'healthy' };
const unsure: PairObservation = { kind: 'inconclusive' };
const t0 = Date.UTC(2025, 0, 1, 12, 0);

function drive(observations: PairObservation[], policy = DEFAULT_ALERT_POLICY) {
  let state: PairAlertState = initialAlertState(pair);
  const transitions: string[] = [];
  observations.forEach((o, i) => {
    const next = nextAlertState(state, o, new Date(t0 + i * 60_000), policy);
    if (next.transition) transitions.push(`${i}:${next.transition}`);
    state = next.state;
  });
  return { state, transitions };
}

describe('nextAlertState', () => {
  it('opens on the K-th consecutive failure and resolves on the M-th consecutive success', () => {
    expect(drive([fail, fail, fail, ok, ok]).transitions).toEqual(['1:opened', '4:resolved']);
    expect(drive([fail, fail, fail, fail], { openAfter: 4, resolveAfter: 1 }).transitions).toEqual([
      '3:opened',
    ]);
  });

  it('never opens while failures and successes alternate', () => {
    expect(drive([fail, ok, fail, ok, fail, ok, fail]).transitions).toEqual([]);
  });

  it('stays open through a single healthy sweep between failures', () => {
    const { state, transitions } = drive([fail, fail, ok, fail, ok]);
    expect(transitions).toEqual(['1:opened']);
    expect(state.status).toBe('open');
  });

  it('lets inconclusive sweeps count neither way', () => {
    expect(drive([fail, unsure, fail]).transitions).toEqual(['2:opened']);
    expect(drive([fail, fail, ok, unsure, ok]).transitions).toEqual(['1:opened', '4:resolved']);
  });

  it('keeps the id and cause fixed at opening while the alert is open', () => {
    const tunnel: PairObservation = { kind: 'failing', cause: 'tunnel-down', advice: 'x', evidence: [] };
    const { state } = drive([fail, fail, tunnel]);
    expect(state.cause).toBe('udp-500-blocked');
    expect(state.alertId).toBe(alertId(pair, new Date(t0 + 60_000)));
    expect(state.openedAt).toBe(new Date(t0 + 60_000).toISOString());
  });

  it('refuses a policy that is not a whole number of sweeps from 1 to 100, naming the field and the range', () => {
    expect(() => validateAlertPolicy({ openAfter: 0, resolveAfter: 2 })).toThrow(
      'alert policy: openAfter must be a whole number of sweeps from 1 to 100 (got 0)',
    );
    expect(() => validateAlertPolicy({ openAfter: 2, resolveAfter: 1.5 })).toThrow(/resolveAfter.*got 1\.5/);
    expect(() => validateAlertPolicy({ openAfter: 101, resolveAfter: 2 })).toThrow(/openAfter.*got 101/);
    expect(() => validateAlertPolicy({ openAfter: 2, resolveAfter: 101 })).toThrow(/resolveAfter.*got 101/);
    expect(() => validateAlertPolicy({ openAfter: Number.NaN, resolveAfter: 2 })).toThrow(/openAfter/);
    const edges = { openAfter: 1, resolveAfter: 100 };
    expect(validateAlertPolicy(edges)).toBe(edges);
    expect(validateAlertPolicy({ openAfter: 100, resolveAfter: 1 })).toEqual({
      openAfter: 100,
      resolveAfter: 1,
    });
  });

  it('opening forgets the healthy streak before it, so resolving still takes M healthy sweeps', () => {
    // openAfter 1: the sweep that opens follows two healthy ones; one healthy sweep must not resolve.
    const policy = { openAfter: 1, resolveAfter: 2 };
    expect(drive([ok, ok, fail, ok], policy).transitions).toEqual(['2:opened']);
    expect(drive([ok, ok, fail, ok, ok], policy).transitions).toEqual(['2:opened', '4:resolved']);
  });

  it('resolving forgets the failing streak, so reopening takes K new failures', () => {
    const policy = { openAfter: 2, resolveAfter: 1 };
    expect(drive([fail, fail, ok, fail], policy).transitions).toEqual(['1:opened', '2:resolved']);
    expect(drive([fail, fail, ok, fail, fail], policy).transitions).toEqual([
      '1:opened',
      '2:resolved',
      '4:opened',
    ]);
  });

  it('carries cause, advice and evidence while open and clears them all once resolved', () => {
    const opened = drive([fail, fail]).state;
    expect(opened).toMatchObject({
      status: 'open',
      failStreak: 2,
      okStreak: 0,
      cause: 'udp-500-blocked',
      advice: 'Allow UDP 500.',
      evidence: ['UDP 500: no answer'],
    });
    const resolved = drive([fail, fail, ok, ok]).state;
    expect(resolved).toEqual({
      ...initialAlertState(pair),
      okStreak: 2,
    });
  });

  it('returns the previous state untouched for an inconclusive sweep', () => {
    const prev = drive([fail]).state;
    const next = nextAlertState(prev, unsure, new Date(t0));
    expect(next).toEqual({ state: prev, transition: null });
    expect(next.state).toBe(prev);
  });
});

describe('pairs and ids', () => {
  it('orders the pair so both directions share one key and the id is readable and stable', () => {
    expect(pairKey(hostPair(h('h3'), h('h1')))).toBe('h1~h3');
    expect(pairKey(hostPair(h('h1'), h('h3')))).toBe('h1~h3');
    expect(alertId(pair, new Date('2025-01-01T12:01:00.000Z'))).toBe('h1~h2~20250101T120100000Z');
  });
});

describe('observeVerdict / observePair', () => {
  const verdict = (over: Partial<Verdict>): Verdict => ({
    from: h('h1'),
    to: h('h2'),
    state: 'up',
    cause: 'ok',
    advice: '',
    evidence: [],
    ...over,
  });

  it('classifies down, latent and sure host-level causes as failing; loss as healthy; unknown as inconclusive', () => {
    expect(observeVerdict(verdict({ state: 'down', cause: 'tunnel-down' })).kind).toBe('failing');
    expect(observeVerdict(verdict({ state: 'up', cause: 'udp-500-blocked', latent: true })).kind).toBe(
      'failing',
    );
    expect(observeVerdict(verdict({ state: 'unknown', cause: 'agent-missing' })).kind).toBe('failing');
    expect(observeVerdict(verdict({ state: 'degraded', cause: 'packet-loss' })).kind).toBe('healthy');
    expect(observeVerdict(verdict({ state: 'unknown', cause: 'unknown' })).kind).toBe('inconclusive');
  });

  it("hands the verdict's cause, advice and evidence to the alert it may open", () => {
    expect(
      observeVerdict(
        verdict({
          state: 'down',
          cause: 'tunnel-down',
          advice: 'Restart the agent.',
          evidence: ['no IKE SA'],
        }),
      ),
    ).toEqual({
      kind: 'failing',
      cause: 'tunnel-down',
      advice: 'Restart the agent.',
      evidence: ['no IKE SA'],
    });
  });

  it('never pages a latent flag on a healthy cause, nor an unknown state whose cause is ok', () => {
    expect(observeVerdict(verdict({ state: 'up', cause: 'ok', latent: true })).kind).toBe('healthy');
    expect(observeVerdict(verdict({ state: 'degraded', cause: 'packet-loss', latent: false })).kind).toBe(
      'healthy',
    );
    expect(observeVerdict(verdict({ state: 'unknown', cause: 'ok' })).kind).toBe('inconclusive');
    expect(observeVerdict(verdict({ state: 'unknown', cause: 'ok', latent: true })).kind).toBe(
      'inconclusive',
    );
  });

  it("names the first failing direction's cause when both fail", () => {
    const first = verdict({ state: 'down', cause: 'udp-500-blocked' });
    const second = verdict({ from: h('h2'), to: h('h1'), state: 'down', cause: 'tunnel-down' });
    expect(observePair([first, second])).toMatchObject({ cause: 'udp-500-blocked' });
    expect(observePair([verdict({ state: 'unknown', cause: 'unknown' }), second])).toMatchObject({
      kind: 'failing',
      cause: 'tunnel-down',
    });
  });

  it('fails a pair when either direction fails', () => {
    const down = verdict({ from: h('h2'), to: h('h1'), state: 'down', cause: 'udp-4500-blocked' });
    expect(observePair([verdict({}), down])).toMatchObject({ kind: 'failing', cause: 'udp-4500-blocked' });
    expect(observePair([verdict({}), verdict({ from: h('h2'), to: h('h1') })]).kind).toBe('healthy');
    expect(observePair([verdict({}), verdict({ state: 'unknown', cause: 'unknown' })]).kind).toBe(
      'inconclusive',
    );
    expect(observePair([]).kind).toBe('inconclusive');
  });
});
