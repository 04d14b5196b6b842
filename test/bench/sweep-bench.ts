// Sweep wall time for N = 2, 4, 8 agents against the lab, as a ratio to one ping burst (one
// `ping -c COUNT -i INTERVAL` exec from one agent to one peer).
//
// Two probe sets: the ICMP exec batch alone (issue 3's sweep) and every default probe (the batch
// plus the IKE sidecar). For each, two figures:
//   - the full-mesh sweep, where all N lab "hosts" share this machine's cores, so per-host Docker
//     work (runc exec, sidecar create/start/remove) queues for CPU and the time grows with N;
//   - one agent probing its N-1 peers alone: the critical path of a sweep on real hosts, where every
//     agent's exec runs on its own machine. Staying near one burst as N grows shows that the work per
//     agent does not grow with N², only the shared-CPU contention of the lab does.
// Usage: tsx test/bench/sweep-bench.ts [lab-config.json]   (default: the lab's config file)
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import { discoverHosts } from '../../shared/discovery/discover-hosts.js';
import type { AgentProbe, AgentProbeContext, ExecProbe } from '../../shared/probes/agent-probe.js';
import { MTU_LADDER, MTU_PINGS_PER_RUNG, mtuLadderProbe } from '../../shared/probes/ping/mtu-ladder-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { AGENT_PROBES, EXEC_PROBES } from '../../shared/sweep/default-probes.js';
import { peerTargets } from '../../shared/sweep/peer-targets.js';
import { probeAgent } from '../../shared/sweep/probe-agent.js';
import type { SweepDeps } from '../../shared/sweep/run-sweep.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import type { DockerHostClient } from '../../shared/transport/docker-host-client.js';
import { DEFAULT_CONFIG_FILE } from '../lab/lab.js';
import { loadConfigOrThrow } from '../support/load-config-or-throw.js';

const SIZES = [2, 4, 8];
const REPEATS = 3;

interface ProbeSet {
  name: string;
  exec: readonly ExecProbe[];
  agent: readonly AgentProbe[];
}
const PROBE_SETS: ProbeSet[] = [
  { name: 'ICMP batch', exec: [overlayIcmpProbe, underlayIcmpProbe], agent: [] },
  { name: 'all probes', exec: EXEC_PROBES, agent: AGENT_PROBES },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median wall time of REPEATS runs of `fn`, ms. */
export async function timesOf(fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function runSweepBench(
  configPath = DEFAULT_CONFIG_FILE,
  log: (line: string) => void = console.log,
) {
  const config = await loadConfigOrThrow({ path: configPath });
  const sweep = assembleSweep();
  const { clientFor } = sweep.deps;
  try {
    const burstMs = await pingBurstMs(config, clientFor);
    const ratio = (ms: number) => `${(ms / burstMs).toFixed(2)}×`;
    log(
      `one ping burst (${config.probes.pingCount} × ${config.probes.pingIntervalSec} s, via docker exec): ${burstMs.toFixed(0)} ms; ` +
        `${cpus().length} CPU cores shared by all lab hosts`,
    );
    for (const set of PROBE_SETS) {
      for (const n of SIZES) {
        if (n > config.hosts.length) {
          log(
            `${set.name}, N=${n}: skipped, the lab has ${config.hosts.length} hosts (npm run lab -- up --hosts ${n})`,
          );
          continue;
        }
        const subset: TunnelwatchConfig = { ...config, hosts: config.hosts.slice(0, n) };
        const sweepMs = await timesOf(() =>
          runSweep(subset, { ...sweep.deps, execProbes: set.exec, agentProbes: set.agent }),
        );
        const ctx = await firstAgentContext(subset, clientFor);
        const aloneMs = await timesOf(() =>
          probeAgent(ctx, clientFor(subset.hosts[0]!), set.exec, set.agent, config.sweep.deadlineMs),
        );
        log(
          `${set.name}, N=${n} (${n * (n - 1)} pairs): full-mesh sweep ${sweepMs.toFixed(0)} ms = ${ratio(sweepMs)} one burst; ` +
            `one agent probing its ${n - 1} peers alone ${aloneMs.toFixed(0)} ms = ${ratio(aloneMs)}`,
        );
      }
    }
    await mtuLadderCost(config, clientFor, ratio, log);
  } finally {
    await sweep.close();
  }
}

/**
 * What the MTU ladder adds: packets per ordered pair (echo requests and replies), time on one
 * agent's critical path (the batch with and without the ladder, that agent alone, every other probe
 * on as in a sweep: the probe program sends the pings), and Docker execs per agent (the ladder rides
 * in the same batch, so the count must not change).
 */
async function mtuLadderCost(
  config: TunnelwatchConfig,
  clientFor: SweepDeps['clientFor'],
  ratio: (ms: number) => string,
  log: (line: string) => void,
) {
  const ctx = await firstAgentContext(config, clientFor);
  const base = EXEC_PROBES.filter((p) => p !== mtuLadderProbe);
  const client = clientFor(config.hosts[0]!);
  let execs = 0;
  // The adapter is a class: wrap its methods (a spread would drop them), counting execs.
  const counting: DockerHostClient = {
    listContainers: (opts) => client.listContainers(opts),
    inspectContainer: (id, opts) => client.inspectContainer(id, opts),
    exec: (id, argv, opts) => {
      execs++;
      return client.exec(id, argv, opts);
    },
    putArchive: (id, directory, tarball, opts) => client.putArchive(id, directory, tarball, opts),
    startCarrier: (spec) => client.startCarrier(spec),
    removeContainer: (id, opts) => client.removeContainer(id, opts),
    ensureImage: (image, path, opts) => client.ensureImage(image, path, opts),
    close: () => client.close(),
  };
  const run = async (probes: readonly ExecProbe[]) => {
    execs = 0;
    const ms = await timesOf(() => probeAgent(ctx, counting, probes, AGENT_PROBES, config.sweep.deadlineMs));
    return { ms, execsPerRun: execs / REPEATS };
  };
  const without = await run(base);
  const withLadder = await run(EXEC_PROBES);
  const requests = MTU_LADDER.length * MTU_PINGS_PER_RUNG;
  log(
    `MTU ladder (${MTU_LADDER.join('/')} bytes × ${MTU_PINGS_PER_RUNG}): +${requests} echo requests and ${requests} replies per ordered pair ` +
      `(${MTU_LADDER.reduce((n, b) => n + b, 0) * MTU_PINGS_PER_RUNG} bytes of requests and as many of replies; ${2 * requests} requests per host pair); ` +
      `one agent's batch to ${ctx.peers.length} peers ${without.ms.toFixed(0)} ms → ${withLadder.ms.toFixed(0)} ms ` +
      `(${ratio(without.ms)} → ${ratio(withLadder.ms)} one burst, +${(withLadder.ms - without.ms).toFixed(0)} ms on the critical path); ` +
      `docker execs per agent ${without.execsPerRun} → ${withLadder.execsPerRun}`,
  );
}

/** What the first configured host's agent probes from, discovered now: the "one agent alone" case. */
export async function firstAgentContext(
  config: TunnelwatchConfig,
  clientFor: SweepDeps['clientFor'],
): Promise<AgentProbeContext> {
  const hosts = await discoverHosts(config, clientFor, { deadlineMs: 5000 });
  const first = hosts[0]!;
  if (!first.agent) throw new Error(`${first.name} has no agent`);
  return { self: first.name, agent: first.agent, peers: peerTargets(first, hosts), timing: config.probes };
}

export async function pingBurstMs(
  config: TunnelwatchConfig,
  clientFor: SweepDeps['clientFor'],
): Promise<number> {
  const [a, b] = await discoverHosts({ ...config, hosts: config.hosts.slice(0, 2) }, clientFor, {
    deadlineMs: 5000,
  });
  if (!a?.agent || !b?.agent) throw new Error('the bench needs two lab hosts with agents');
  const { pingCount, pingIntervalSec, pingTimeoutSec } = config.probes;
  const argv = [
    'ping',
    '-c',
    String(pingCount),
    '-i',
    String(pingIntervalSec),
    '-W',
    String(pingTimeoutSec),
    b.agent.overlayIp,
  ];
  const agentId = a.agent.containerId;
  return timesOf(() => clientFor(config.hosts[0]!).exec(agentId, argv, { deadlineMs: 10_000 }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSweepBench(process.argv[2]);
}
