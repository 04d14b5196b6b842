import type { InvocationContext } from '@azure/functions';
import type { TunnelwatchConfig } from '../shared/config/tunnelwatch-config.js';
import { DISCOVERY_SHARE } from '../shared/config/tunnelwatch-config.js';
import { discoverHosts } from '../shared/discovery/discover-hosts.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import type { ShardStore } from '../shared/fanout/shard-store.js';
import { finishShardedSweep, type ShardedSweepPlan, shardSources } from '../shared/fanout/sharded-sweep.js';
import type { SweepMessage } from '../shared/fanout/sweep-message.js';
import type { SweepQueue } from '../shared/fanout/sweep-queue.js';
import { runSweep } from '../shared/sweep/run-sweep.js';
import { environmentSweep, type SweepFunctionDeps, sweepEnvironment } from './sweep-environment.js';

/**
 * The three steps of a sharded sweep, each one queue message's work (functions/sweep-queue.ts):
 * plan (one discovery, one message per shard, one delayed finish), probe one shard, finish.
 */

/** After this long the finish runs with whatever shards reported: one deadline, plus queue latency. */
export function finishDelaySeconds(config: TunnelwatchConfig): number {
  return Math.ceil((2 * config.sweep.deadlineMs) / 1000) + 10;
}

/** The coordinator: discovers every host once, stores the plan, enqueues the shards and the finish. */
export async function planShardedSweep(
  config: TunnelwatchConfig,
  message: SweepMessage,
  store: ShardStore,
  queue: SweepQueue,
  deps: SweepFunctionDeps,
): Promise<ShardedSweepPlan> {
  const startedAt = (deps.now?.() ?? new Date()).toISOString();
  const sweep = environmentSweep(config, deps);
  let hosts: ShardedSweepPlan['hosts'];
  try {
    hosts = await discoverHosts(config, sweep.deps.clientFor, {
      deadlineMs: Math.max(500, Math.floor(config.sweep.deadlineMs * DISCOVERY_SHARE)),
    });
  } finally {
    await sweep.close();
  }
  const plan: ShardedSweepPlan = {
    environment: config.environment,
    tick: message.tick,
    startedAt,
    shards: shardSources(
      config.hosts.map((h) => h.name),
      config.sweep.shardSources!,
    ),
    hosts,
  };
  await store.savePlan(plan);
  const base = { v: 1 as const, environment: config.environment, tick: message.tick };
  for (const index of plan.shards.keys()) await queue.enqueue({ ...base, part: index });
  await queue.enqueue({ ...base, part: 'finish' }, finishDelaySeconds(config));
  return plan;
}

/** One shard: probes from its sources at the plan's hosts and stores the paths (replacing a redelivery's). */
export async function probeShard(
  config: TunnelwatchConfig,
  plan: ShardedSweepPlan,
  index: number,
  store: ShardStore,
  deps: SweepFunctionDeps,
): Promise<void> {
  const sweep = environmentSweep(config, deps);
  let part: SweepReport;
  try {
    part = await runSweep(config, {
      ...sweep.deps,
      // The plan's start: a sampled sweep picks the same peers in every shard.
      now: () => new Date(plan.startedAt),
      shard: { hosts: plan.hosts, sources: new Set(plan.shards[index]) },
    });
  } finally {
    await sweep.close();
  }
  await store.saveResult(plan.environment, plan.tick, {
    shard: index,
    paths: part.paths,
    durationMs: part.durationMs,
  });
}

/** Every pair diagnosed from the shards that reported, then the usual after-sweep pipeline. */
export function finishSweep(
  config: TunnelwatchConfig,
  plan: ShardedSweepPlan,
  store: ShardStore,
  context: InvocationContext,
  deps: SweepFunctionDeps,
  several: boolean,
): Promise<SweepReport> {
  return sweepEnvironment(config, context, deps, several, async (cfg, sweepDeps) => {
    const results = await store.results(plan.environment, plan.tick);
    const kinds = [...sweepDeps.execProbes, ...(sweepDeps.agentProbes ?? [])].flatMap((p) => p.kinds);
    return finishShardedSweep(cfg, plan, results, [...new Set(kinds)], sweepDeps);
  });
}
