import type { Verdict } from '../domain/sweep-report.js';

/**
 * What a verdict says beyond its cause (latent, the dropped direction, the path MTU, the age of a
 * verdict carried over from an earlier sample), as short phrases that the text view and the matrix
 * page show the same way.
 */
export function verdictQualifiers(
  v: Pick<Verdict, 'from' | 'to' | 'latent' | 'direction' | 'pmtu' | 'sample'>,
): string[] {
  const out: string[] = [];
  if (v.sample?.source === 'not-sampled-yet') out.push('not sampled yet');
  if (v.sample?.source === 'carried') out.push(`sampled ${sweepsAgo(v.sample.ageSweeps ?? 0)}`);
  if (v.latent) out.push('latent');
  if (v.direction === 'forward') out.push(`dropped ${v.from}→${v.to}`);
  if (v.direction === 'reverse') out.push(`dropped ${v.to}→${v.from}`);
  if (v.direction === 'both') out.push('dropped both ways');
  if (v.pmtu !== undefined) out.push(`pmtu ${v.pmtu} bytes`);
  return out;
}

function sweepsAgo(age: number): string {
  return age === 0 ? 'this rotation' : age === 1 ? '1 sweep ago' : `${age} sweeps ago`;
}
