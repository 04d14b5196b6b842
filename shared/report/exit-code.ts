import type { State } from '../domain/sweep-report.js';

/** Monitoring-plugin convention (Nagios/Icinga): the sweep's worst state decides. */
export const EXIT_CODES = { up: 0, degraded: 1, down: 2, unknown: 3 } as const satisfies Record<
  State,
  number
>;
/** BSD sysexits EX_USAGE: bad flags or a bad config. */
export const EXIT_USAGE = 64;

export function exitCodeFor(status: State): number {
  return EXIT_CODES[status];
}
