// Sweep wall time for N = 2, 4, 8 agents against the lab, and its ratio to one ping burst
// (one `ping -c COUNT -i INTERVAL` exec from one agent to a peer). A full mesh that runs in about one
// burst, whatever N, shows the per-agent batches and the pings inside them really run in parallel.
// Usage: tsx test/bench/sweep-bench.ts [lab-config.json]   (default: the lab's config file)
import { pathToFileURL } from 'node:url';
import { loadConfigOrThrow } from '../../shared/config/load-config.js';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import { diagnose } from '../../shared/diagnosis/diagnose.js';
import { discoverHosts } from '../../shared/discovery/discover-hosts.js';
import { EXEC_PROBES } from '../../shared/sweep/default-probes.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { openDockerClients } from '../../shared/transport/docker-clients.js';
import { DEFAULT_CONFIG_FILE } from '../lab/lab.js';

const SIZES = [2, 4, 8];
const REPEATS = 3;

export interface SweepBenchRow {
  agents: number;
  medianMs: number | null;
  ratioToBurst: number | null;
  note?: string;
}

export async function runSweepBench(
  configPath = DEFAULT_CONFIG_FILE,
  log: (line: string) => void = console.log,
): Promise<SweepBenchRow[]> {
  const config = await loadConfigOrThrow({ path: configPath });
  const clients = openDockerClients(config);
  try {
    const burstMs = await pingBurstMs(config, clients.clientFor);
    log(
      `one ping burst (${config.probes.pingCount} × ${config.probes.pingIntervalSec} s, via docker exec): ${burstMs.toFixed(0)} ms`,
    );
    const rows: SweepBenchRow[] = [];
    // The lab's own size too, so a 3-host lab still shows a full mesh.
    const sizes = [...new Set([...SIZES, config.hosts.length])].sort((x, y) => x - y);
    for (const n of sizes) {
      if (n > config.hosts.length) {
        rows.push({
          agents: n,
          medianMs: null,
          ratioToBurst: null,
          note: `the lab has ${config.hosts.length} hosts (npm run lab -- up --hosts ${n})`,
        });
        continue;
      }
      const subset: TunnelwatchConfig = { ...config, hosts: config.hosts.slice(0, n) };
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) {
        const report = await runSweep(subset, {
          clientFor: clients.clientFor,
          execProbes: EXEC_PROBES,
          diagnose,
        });
        times.push(report.durationMs);
      }
      const medianMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
      rows.push({ agents: n, medianMs, ratioToBurst: Math.round((medianMs / burstMs) * 100) / 100 });
    }
    for (const r of rows) {
      log(
        r.medianMs === null
          ? `N=${r.agents}: skipped, ${r.note}`
          : `N=${r.agents}: sweep ${r.medianMs} ms (median of ${REPEATS}), ${r.agents * (r.agents - 1)} pairs, ${r.ratioToBurst}× one ping burst`,
      );
    }
    return rows;
  } finally {
    await clients.close();
  }
}

async function pingBurstMs(
  config: TunnelwatchConfig,
  clientFor: ReturnType<typeof openDockerClients>['clientFor'],
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
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await clientFor(config.hosts[0]!).exec(a.agent.containerId, argv, { deadlineMs: 10_000 });
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSweepBench(process.argv[2]);
}
