import { probedThisSweep, type SweepReport } from '../domain/sweep-report.js';

/** The one log line per sweep: status, counts, and the non-ok causes. */
export function sweepSummary(report: SweepReport): string {
  const agents = report.hosts.filter((h) => h.agent !== null).length;
  const counts = new Map<string, number>();
  for (const v of report.verdicts) if (v.cause !== 'ok') counts.set(v.cause, (counts.get(v.cause) ?? 0) + 1);
  const causes = [...counts].map(([cause, n]) => `${cause}×${n}`).join(', ');
  const ok = report.verdicts.length - [...counts.values()].reduce((a, b) => a + b, 0);
  // Sampling: how many of those verdicts this sweep's probes gave (the rest are carried or not sampled yet).
  const probed = report.sampling
    ? `, ${report.verdicts.filter(probedThisSweep).length} probed this sweep (peer sampling)`
    : '';
  return (
    `sweep ${report.status}: ${report.hosts.length} hosts, ${agents} agents, ` +
    `${ok}/${report.verdicts.length} pairs ok${causes ? ` (${causes})` : ''}${probed}, ${report.durationMs} ms`
  );
}
