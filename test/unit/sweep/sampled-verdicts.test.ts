import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { parseSweepReport } from '../../../shared/domain/sweep-report-schema.js';
import { samplingPlan } from '../../../shared/sweep/peer-sampling.js';
import { probedVerdict, unsampledVerdicts } from '../../../shared/sweep/sampled-verdicts.js';
import { bothWays, buildReport, hostNames } from '../../support/sweep-report-builder.js';

const ROTATION_MS = 60_000;
const NAMES = hostNames(8) as HostName[];
const at = (rotation: number) => new Date(rotation * ROTATION_MS);
const plan = (rotation: number) =>
  samplingPlan({ aboveHosts: 5, peersPerSweep: 2, rotationMs: ROTATION_MS }, NAMES, at(rotation))!;
const h1 = 'h1' as HostName;
const h3 = 'h3' as HostName;
const fullReport = (rotation: number): SweepReport =>
  buildReport({ hosts: 8, startedAt: at(rotation), faults: bothWays('h1', 'h3', 'tunnel-down') });

describe('verdicts of pairs a sampled sweep did not probe', () => {
  it('with no earlier report: unknown, "not sampled yet", never healthy', () => {
    const v = unsampledVerdicts(null, plan(100))(h1, h3);
    expect(v).toMatchObject({ state: 'unknown', cause: 'unknown' });
    expect(v.sample).toEqual({ source: 'not-sampled-yet', sampledAt: null, ageSweeps: null });
    expect(v.evidence.join(' ')).toContain('not sampled yet');
    expect(v.advice).toContain('within 4 sweeps');
  });

  it('repeat the last sampled verdict with the sweep it came from and its age', () => {
    const previous = fullReport(97);
    const v = unsampledVerdicts(previous, plan(100))(h1, h3);
    expect(v).toMatchObject({ state: 'down', cause: 'tunnel-down' });
    expect(v.sample).toEqual({ source: 'carried', sampledAt: at(97).toISOString(), ageSweeps: 3 });
  });

  it('carried again, they keep the original sample time and age one more sweep', () => {
    const first = fullReport(97);
    const second: SweepReport = {
      ...first,
      startedAt: at(98).toISOString(),
      verdicts: first.verdicts.map((v) => unsampledVerdicts(first, plan(98))(v.from, v.to)),
    };
    const v = unsampledVerdicts(second, plan(99))(h1, h3);
    expect(v.sample).toEqual({ source: 'carried', sampledAt: at(97).toISOString(), ageSweeps: 2 });
    // A pair never sampled stays so, however often carried.
    const never = { ...second, verdicts: [unsampledVerdicts(null, plan(98))(h1, h3)] };
    expect(unsampledVerdicts(never, plan(99))(h1, h3).sample?.source).toBe('not-sampled-yet');
  });

  it('a pair the previous report does not name (a new host) is not sampled yet', () => {
    const previous = buildReport({ hosts: 4, startedAt: at(99) });
    expect(unsampledVerdicts(previous, plan(100))('h7' as HostName, h1).sample?.source).toBe(
      'not-sampled-yet',
    );
  });

  it('the report contract keeps the sample fields through storage', () => {
    const report = fullReport(100);
    const sampled: SweepReport = {
      ...report,
      verdicts: [
        probedVerdict(report.verdicts[0]!, at(100)),
        unsampledVerdicts(fullReport(98), plan(100))(h1, h3),
        unsampledVerdicts(null, plan(100))(h3, h1),
      ],
      sampling: { rotation: 100, peersPerSweep: 2, cycleSweeps: 4 },
    };
    expect(parseSweepReport(JSON.parse(JSON.stringify(sampled)))).toEqual(sampled);
  });
});
