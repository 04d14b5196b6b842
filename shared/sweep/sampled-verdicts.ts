import type { HostName } from '../domain/host-name.js';
import type { SweepReport, Verdict } from '../domain/sweep-report.js';
import { rotationIndex, type SamplingPlan } from './peer-sampling.js';

/**
 * The verdicts of a sampled sweep for the pairs it did not probe: each pair's last sampled verdict
 * from the previous report, repeated with its age, or `unknown` "not sampled yet" when no earlier
 * sample is known (a cold start without history) — never a healthy guess. Pure; the previous
 * verdicts are indexed once (a 200-host report has 39,800).
 */
export function unsampledVerdicts(
  previous: SweepReport | null,
  plan: SamplingPlan,
): (from: HostName, to: HostName) => Verdict {
  // Stryker disable next-line ArrayDeclaration: equivalent, junk entries key "undefined>undefined", never a pair
  const last = new Map((previous?.verdicts ?? []).map((v) => [`${v.from}>${v.to}`, v]));
  return (from, to) => {
    const verdict = last.get(`${from}>${to}`);
    // A verdict of a full sweep (no sample field) was probed by that sweep.
    const sampledAt = verdict ? (verdict.sample ? verdict.sample.sampledAt : previous!.startedAt) : null;
    if (!verdict || sampledAt === null) return notSampledYet(from, to, plan);
    const age = plan.rotation - rotationIndex(new Date(sampledAt), plan.rotationMs);
    return { ...verdict, sample: { source: 'carried', sampledAt, ageSweeps: Math.max(0, age) } };
  };
}

function notSampledYet(from: HostName, to: HostName, plan: SamplingPlan): Verdict {
  return {
    from,
    to,
    state: 'unknown',
    cause: 'unknown',
    advice: `not probed yet: with peer sampling every pair is probed within ${plan.cycleSweeps} sweeps`,
    evidence: ['not sampled yet (no earlier sample of this pair is known)'],
    sample: { source: 'not-sampled-yet', sampledAt: null, ageSweeps: null },
  };
}

/** A verdict this sweep's probes gave, marked as such. */
export function probedVerdict(verdict: Verdict, startedAt: Date): Verdict {
  return { ...verdict, sample: { source: 'probed', sampledAt: startedAt.toISOString(), ageSweeps: 0 } };
}
