import type { EnvironmentName } from '../domain/environment-name.js';
import type { ShardedSweepPlan, ShardResult } from './sharded-sweep.js';

/**
 * Where a sharded sweep keeps its plan and its shards' results between queue messages (Blob
 * Storage in Azure). Saving a shard's result again replaces it: a redelivered shard counts once.
 */
export interface ShardStore {
  savePlan(plan: ShardedSweepPlan): Promise<void>;
  loadPlan(environment: EnvironmentName, tick: string): Promise<ShardedSweepPlan | null>;
  saveResult(environment: EnvironmentName, tick: string, result: ShardResult): Promise<void>;
  /** The shards that have reported, each once. */
  results(environment: EnvironmentName, tick: string): Promise<ShardResult[]>;
  /** Once the sweep is finished: its plan and results are not needed any more. */
  remove(environment: EnvironmentName, tick: string): Promise<void>;
}

/** In one process (tests, and a fleet simulated in one process). */
export class MemoryShardStore implements ShardStore {
  private readonly plans = new Map<string, ShardedSweepPlan>();
  private readonly shardResults = new Map<string, Map<number, ShardResult>>();

  async savePlan(plan: ShardedSweepPlan): Promise<void> {
    this.plans.set(key(plan.environment, plan.tick), structuredClone(plan));
  }

  async loadPlan(environment: EnvironmentName, tick: string): Promise<ShardedSweepPlan | null> {
    return structuredClone(this.plans.get(key(environment, tick)) ?? null);
  }

  async saveResult(environment: EnvironmentName, tick: string, result: ShardResult): Promise<void> {
    const k = key(environment, tick);
    const results = this.shardResults.get(k) ?? new Map<number, ShardResult>();
    results.set(result.shard, structuredClone(result));
    this.shardResults.set(k, results);
  }

  async results(environment: EnvironmentName, tick: string): Promise<ShardResult[]> {
    return [...(this.shardResults.get(key(environment, tick))?.values() ?? [])].map((r) =>
      structuredClone(r),
    );
  }

  async remove(environment: EnvironmentName, tick: string): Promise<void> {
    this.plans.delete(key(environment, tick));
    this.shardResults.delete(key(environment, tick));
  }
}

const key = (environment: string, tick: string) => `${environment}\n${tick}`;
