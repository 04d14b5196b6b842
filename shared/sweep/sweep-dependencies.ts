import { diagnose } from '../diagnosis/diagnose.js';
import { DiscoveryCache } from '../discovery/discovery-cache.js';
import { openDockerClients } from '../transport/docker-clients.js';
import { AGENT_PROBES, EXEC_PROBES } from './default-probes.js';
import type { SweepDeps } from './run-sweep.js';

/** What a shell may replace (tests fake the Docker clients or the probes); the rest is the product's. */
export type SweepOverrides = Partial<SweepDeps>;

export interface AssembledSweep {
  deps: SweepDeps;
  /**
   * Closes the Docker clients the sweep opened (one per host, on first use). The assembly stays
   * usable: the next sweep opens new connections and keeps the discovery cache, so a shell that
   * sweeps repeatedly (serve, a warm Function instance) assembles once and closes after each sweep.
   */
  close(): Promise<void>;
}

/**
 * The one place a real sweep's dependencies are put together: Docker clients per configured host,
 * the probe registry, the pure diagnosis and one discovery cache for every sweep through this
 * assembly. The CLI, the Timer Function, the lab tests and the bench all sweep with this, so they
 * measure the same thing.
 */
export function assembleSweep(overrides: SweepOverrides = {}): AssembledSweep {
  const clients = openDockerClients();
  return {
    deps: {
      clientFor: clients.clientFor,
      execProbes: EXEC_PROBES,
      agentProbes: AGENT_PROBES,
      diagnose,
      discoveryCache: new DiscoveryCache(),
      ...overrides,
    },
    close: () => clients.close(),
  };
}
