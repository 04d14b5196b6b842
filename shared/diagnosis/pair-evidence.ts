import type { HostResult, PathResult } from '../domain/sweep-report.js';

/**
 * Everything a sweep learned about one ordered pair of hosts, both directions included:
 * the input of the pure `diagnose` function (shared/diagnosis/diagnose.ts).
 */
export interface PairEvidence {
  from: HostResult;
  to: HostResult;
  /** Every path result measured from `from` towards `to`, all probe kinds. */
  forward: readonly PathResult[];
  /** Every path result measured from `to` towards `from`. */
  reverse: readonly PathResult[];
}
