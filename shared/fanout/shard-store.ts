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
