// A simulated fleet for tests and benches: N fake Docker Engine APIs on unix sockets in a temporary
// directory, each with one Network Agent whose probe commands answer as the fleet plan's network
// would (test/support/fleet/). The real dockerode client path is exercised end to end; nothing leaves
// this machine (the addresses in the outputs are only text).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IKE_PROBE_IMAGE } from '../../shared/probes/ike/ike-agent-probe.js';
import { DockerWireServer } from './fleet/docker-wire-server.js';
import {
  dockerDown,
  type Fault,
  FLEET_AGENT_LABEL,
  FLEET_OVERLAY_LABEL,
  type FleetPlan,
  planFleet,
} from './fleet/fleet-plan.js';

export type { Fault } from './fleet/fleet-plan.js';

export interface FleetOptions {
  hosts: number;
  faults?: readonly Fault[];
  /**
   * Whether the IKE probe image is already on each host. 'some': only odd-numbered hosts have it, so
   * the others exercise the import path. Default 'all'.
   */
  probeImage?: 'all' | 'some' | 'none';
  /** Hosts whose agent has a read-only root filesystem: it refuses the IKE probe program (a carrier then). */
  readOnlyAgents?: readonly string[];
}

export interface SimulatedFleet {
  plan: FleetPlan;
  dir: string;
  /** The running daemons by host name (a `docker-down` host has none). */
  servers: Map<string, DockerWireServer>;
  /** A tunnelwatch config (JSON) for the whole fleet. */
  config(overrides?: { sweep?: object; probes?: object }): object;
  /** Writes config() to a file in the fleet's directory and returns its path. */
  writeConfig(overrides?: { sweep?: object; probes?: object }): Promise<string>;
  /** Sum of API calls by route over all hosts. */
  requestCounts(): Map<string, number>;
  close(): Promise<void>;
}

export async function startSimulatedFleet(opts: FleetOptions): Promise<SimulatedFleet> {
  const plan = planFleet(opts.hosts, opts.faults ?? []);
  const dir = await mkdtemp(join(tmpdir(), 'tw-fleet-'));
  const servers = new Map<string, DockerWireServer>();
  const socketOf = (name: string) => join(dir, `${name}.sock`);
  try {
    for (const host of plan.hosts) {
      if (dockerDown(plan, host)) continue;
      const image = opts.probeImage ?? 'all';
      const hasImage = image === 'all' || (image === 'some' && host.index % 2 === 1);
      const server = new DockerWireServer({
        plan,
        host,
        socketPath: socketOf(host.name),
        images: hasImage ? [IKE_PROBE_IMAGE] : [],
        readOnlyAgent: opts.readOnlyAgents?.includes(host.name) === true,
      });
      await server.listen();
      servers.set(host.name, server);
    }
  } catch (e) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const config = (overrides: { sweep?: object; probes?: object } = {}) => ({
    hosts: plan.hosts.map((h) => ({
      name: h.name,
      underlayIp: h.underlayIp,
      docker: { endpoint: `unix://${socketOf(h.name)}` },
    })),
    agent: { selectorLabel: FLEET_AGENT_LABEL, overlayIpLabel: FLEET_OVERLAY_LABEL },
    probes: {
      pingCount: 3,
      pingIntervalSec: 0.2,
      pingTimeoutSec: 1,
      ikeTimeoutMs: 1000,
      ...overrides.probes,
    },
    sweep: { deadlineMs: 60_000, concurrency: 16, ...overrides.sweep },
  });
  return {
    plan,
    dir,
    servers,
    config,
    async writeConfig(overrides) {
      const path = join(dir, 'tunnelwatch.json');
      await writeFile(path, JSON.stringify(config(overrides), null, 2));
      return path;
    },
    requestCounts() {
      const total = new Map<string, number>();
      for (const s of servers.values()) {
        for (const [k, n] of s.requests) total.set(k, (total.get(k) ?? 0) + n);
      }
      return total;
    },
    async close() {
      await Promise.all([...servers.values()].map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
