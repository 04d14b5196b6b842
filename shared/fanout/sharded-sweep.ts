import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { EnvironmentName } from '../domain/environment-name.js';
import type { HostName } from '../domain/host-name.js';
import type { ProbeKind } from '../domain/probe-kind.js';
import type { HostResult, PathResult, SweepReport } from '../domain/sweep-report.js';
import { unknownPath } from '../probes/unknown-path.js';
import { assembleReport, type SweepDeps } from '../sweep/run-sweep.js';

/**
 * An environment too big for one instance is swept in shards of source hosts: one discovery step
 * (the coordinator), then one queue message per shard, each probing from its sources to every peer,
 * then one finish that diagnoses every pair. This is what the coordinator leaves for the shards.
 */
export interface ShardedSweepPlan {
  environment: EnvironmentName;
  /** The timer tick that names this sweep. */
  tick: string;
  /** When the coordinator started: the report's startedAt (and the sampling rotation's clock). */
  startedAt: string;
  /** Each shard's source hosts, in config order. */
  shards: HostName[][];
  /** The coordinator's discovery of every host: what every shard probes at. */
  hosts: HostResult[];
}

/** What one shard found: the paths from its sources (and how long it took). */
export interface ShardResult {
  shard: number;
  paths: PathResult[];
  durationMs: number;
}

/** Consecutive runs of at most `size` source hosts, in config order. */
export function shardSources(hosts: readonly HostName[], size: number): HostName[][] {
  const shards: HostName[][] = [];
  for (let i = 0; i < hosts.length; i += size) shards.push(hosts.slice(i, i + size));
  return shards;
}

/** Whether an environment is swept in shards: more hosts than one shard holds. */
export function needsShards(config: TunnelwatchConfig): boolean {
  const size = config.sweep.shardSources;
  // Stryker disable next-line ConditionalExpression: equivalent, n > undefined is false
  return size !== undefined && config.hosts.length > size;
}

/**
 * The report of a sharded sweep from the shards that reported: a lost shard's sources have every
 * path `unknown` with the reason (never a hang, never a pair silently missing), then every pair is
 * diagnosed as in one sweep.
 */
export function finishShardedSweep(
  config: TunnelwatchConfig,
  plan: ShardedSweepPlan,
  results: readonly ShardResult[],
  kinds: readonly ProbeKind[],
  deps: Pick<SweepDeps, 'diagnose' | 'previousReport'>,
): SweepReport {
  const reported = new Map(results.map((r) => [r.shard, r]));
  const withAgent = new Set(plan.hosts.filter((h) => h.agent !== null).map((h) => h.name as string));
  const paths: PathResult[] = [];
  for (const [index, sources] of plan.shards.entries()) {
    const result = reported.get(index);
    if (result) {
      for (const path of result.paths) paths.push(path);
      continue;
    }
    const reason = `shard ${index + 1} of ${plan.shards.length} (sources ${sources[0]}…${sources.at(-1)}) did not report before the sweep deadline`;
    for (const from of sources) {
      if (!withAgent.has(from)) continue;
      for (const to of plan.hosts) {
        if (to.name === from) continue;
        for (const kind of kinds) paths.push(unknownPath(from, to.name, kind, null, reason));
      }
    }
  }
  const slowest = Math.max(0, ...results.map((r) => r.durationMs));
  return assembleReport(config, deps, {
    started: new Date(plan.startedAt),
    durationMs: () => slowest,
    hosts: plan.hosts,
    paths,
  });
}
