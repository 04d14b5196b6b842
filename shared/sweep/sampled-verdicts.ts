import type { HostName } from '../domain/host-name.js';
import type { SweepReport, Verdict } from '../domain/sweep-report.js';
import { rotationIndex, type SamplingPlan } from './peer-sampling.js';

/**
 * The verdicts of a sampled sweep for the pairs it did not probe: each pair's last sampled verdict
 * from the previous report, repeated with its age, or `unknown` "not sampled yet" when no earlier
 * sample is known (a cold start without history) — never a healthy guess. Pure.
 */
export function unsampledVerdict(
  from: HostName,
  to: HostName,
  previous: SweepReport | null,
  plan: SamplingPlan,
  rotationMs: number,
): Verdict {
  const last = previous?.verdicts.find((v) => v.from === from && v.to === to);
  // A verdict of a full sweep (no sample field) was probed by that sweep.
  const sampledAt = last ? (last.sample ? last.sample.sampledAt : previous!.startedAt) : null;
  if (!last || sampledAt === null) return notSampledYet(from, to, plan);
  const age = plan.rotation - rotationIndex(new Date(sampledAt), rotationMs);
  return { ...last, sample: { source: 'carried', sampledAt, ageSweeps: Math.max(0, age) } };
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
