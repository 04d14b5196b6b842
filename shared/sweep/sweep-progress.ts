import type { HostName } from '../domain/host-name.js';

/** What a sweep reports while it runs; shells decide whether and where to show it (stderr). */
export type SweepProgress =
  | { phase: 'discovered'; hosts: number; agents: number }
  | { phase: 'agent-probed'; host: HostName; done: number; total: number }
  | { phase: 'diagnosed'; pairs: number };
