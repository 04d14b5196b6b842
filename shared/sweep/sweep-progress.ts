import type { HostName } from '../domain/host-name.js';
import type { HostState } from '../domain/sweep-report.js';

/** What a sweep reports while it runs; shells decide whether and where to show it (stderr). */
export type SweepProgress =
  /** Probing starts: from the hosts just discovered, or (`cache`) from the last sweep's agents. */
  | { phase: 'discovered'; hosts: number; agents: number; from: 'docker' | 'cache' }
  /** One host's discovery (or revalidation, in a warm sweep) has its answer. */
  | { phase: 'host-discovered'; host: HostName; state: HostState }
  | { phase: 'agent-probed'; host: HostName; done: number; total: number }
  | { phase: 'diagnosed'; pairs: number };
