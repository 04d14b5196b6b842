import { app, type InvocationContext } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import { BlobShardStore } from '../shared/fanout/blob-shard-store.js';
import type { ShardStore } from '../shared/fanout/shard-store.js';
import { needsShards } from '../shared/fanout/sharded-sweep.js';
import { type SweepClaims, TableSweepClaims } from '../shared/fanout/sweep-claims.js';
import { claimPart, decodeSweepMessage } from '../shared/fanout/sweep-message.js';
import { SWEEP_QUEUE_NAME, type SweepQueue } from '../shared/fanout/sweep-queue.js';
import { blobAccountFrom } from '../shared/storage/blob-storage.js';
import { tableAccountFrom } from '../shared/storage/table-storage.js';
import { finishSweep, planShardedSweep, probeShard } from './sharded-sweep-steps.js';
import {
  functionCredential,
  loadFunctionConfig,
  type SweepFunctionDeps,
  sweepEnvironment,
} from './sweep-environment.js';
import { sweepQueueFromSettings } from './sweep-queue-settings.js';

export interface SweepQueueDeps extends SweepFunctionDeps {
  /** Replaces the claims kept in the state table (tests); null: no duplicate detection. */
  claims?: SweepClaims | null;
  /** Replaces the sweep queue of the settings (tests): where a sharded sweep's shards go. */
  queue?: SweepQueue | null;
  /** Replaces the shard store of the settings (tests); null: environments are never sharded. */
  shardStore?: ShardStore | null;
}

/**
 * Why a message was not swept, as data: `invalid` (not ours: completed, never retried), `unknown-
 * environment` (the config changed since it was enqueued), `stale` (it waited longer than a sweep is
 * worth), `duplicate` (this work has run or is running), `no-plan` (a shard or finish whose sweep
 * is already finished and cleaned up).
 */
export type SkipReason = 'invalid' | 'unknown-environment' | 'stale' | 'duplicate' | 'no-plan';

/** What one message did: a report (a whole sweep, or a finished sharded one), or why not. */
export type QueueOutcome =
  | SweepReport
  | { skipped: SkipReason }
  | { sharded: number }
  | { shardProbed: number; finished: SweepReport | null };

/**
 * The queue-triggered half of the fan-out: one message, one environment's sweep, or one step of a
 * sharded sweep (plan → shards → finish, functions/sharded-sweep-steps.ts). Failing work releases
 * its claim and throws, so the host retries the message (host.json maxDequeueCount) and finally
 * moves it to the poison queue; a message that cannot succeed is completed with a log line.
 */
export async function sweepQueueHandler(
  body: unknown,
  context: InvocationContext,
  deps: SweepQueueDeps = { env: process.env },
): Promise<QueueOutcome> {
  const message = decodeSweepMessage(body);
  if ('invalid' in message) {
    context.error(`sweep message ignored: not a tunnelwatch sweep message (${message.invalid})`);
    return { skipped: 'invalid' };
  }
  const config = await loadFunctionConfig(deps.env, context);
  const environment = config.environments.find((e) => e.environment === message.environment);
  if (!environment) {
    context.warn(`sweep message ignored: the config has no environment "${message.environment}" any more`);
    return { skipped: 'unknown-environment' };
  }
  const now = deps.now?.() ?? new Date();
  // After an outage the queue may hold a backlog: sweeping old ticks would only delay the current one.
  const staleAfterMs = Math.max(60_000, 3 * environment.sweep.deadlineMs);
  if (now.getTime() - Date.parse(message.tick) > staleAfterMs) {
    context.warn(`sweep of ${message.environment} for ${message.tick} skipped: enqueued too long ago`);
    return { skipped: 'stale' };
  }
  const claims =
    deps.claims !== undefined ? deps.claims : claimsFromSettings(deps, environment.sweep.deadlineMs);
  const several = config.environments.length > 1;
  const what = `${message.environment} for ${message.tick}`;
  const claimed = (part: string) =>
    claims ? claims.claim(environment.environment, message.tick, now, part) : Promise.resolve(true);
  const owned = async <T>(part: string, work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work();
      await claims?.complete(environment.environment, message.tick, part);
      return result;
    } catch (error) {
      await claims?.release(environment.environment, message.tick, part).catch(() => undefined);
      throw error;
    }
  };
  // A finish claims inside finish(): the last shard's invocation runs it too.
  if (message.part !== 'finish' && !(await claimed(claimPart(message)))) {
    context.log(`${claimPart(message)} of ${what} skipped: a duplicate delivery`);
    return { skipped: 'duplicate' };
  }
  const store = deps.shardStore !== undefined ? deps.shardStore : shardStoreFromSettings(deps);
  const queue = deps.queue !== undefined ? deps.queue : sweepQueueFromSettings(deps.env, deps, context);

  if (message.part === undefined) {
    if (needsShards(environment) && store && queue) {
      const plan = await owned('sweep', () => planShardedSweep(environment, message, store, queue, deps));
      context.log(
        `sweep of ${what}: ${plan.shards.length} shards of at most ${environment.sweep.shardSources} source hosts enqueued`,
      );
      return { sharded: plan.shards.length };
    }
    return owned('sweep', () => sweepEnvironment(environment, context, deps, several));
  }

  const plan = store ? await store.loadPlan(environment.environment, message.tick) : null;
  if (!store || !plan) {
    if (message.part !== 'finish')
      await claims?.complete(environment.environment, message.tick, claimPart(message));
    context.warn(
      `${claimPart(message)} of ${what} skipped: the sweep is finished (or was never planned here)`,
    );
    return { skipped: 'no-plan' };
  }
  const finish = async (): Promise<SweepReport | null> => {
    if (!(await claimed('finish'))) return null;
    const report = await owned('finish', () => finishSweep(environment, plan, store, context, deps, several));
    await store.remove(environment.environment, message.tick);
    return report;
  };
  if (message.part === 'finish') {
    // The delayed finish: runs only when the last shard's own finish did not (a lost shard).
    return (await finish()) ?? { skipped: 'duplicate' };
  }
  const index = message.part;
  await owned(claimPart(message), () => probeShard(environment, plan, index, store, deps));
  // The last shard to report finishes the sweep; a redelivered shard counts once (stored by index).
  const reported = await store.results(environment.environment, message.tick);
  const finished = reported.length >= plan.shards.length ? await finish() : null;
  return { shardProbed: index, finished };
}

/** Shards live in the report blob account (TUNNELWATCH_REPORT_BLOB_ENDPOINT); without one, no shards. */
function shardStoreFromSettings(deps: SweepFunctionDeps): ShardStore | null {
  const value = deps.env[APP_SETTINGS.reportBlobEndpoint]?.trim();
  if (!value) return null;
  const source = APP_SETTINGS.reportBlobEndpoint;
  return BlobShardStore.fromAccount(blobAccountFrom(value, functionCredential(deps), source), source);
}

/** Claims live in the state table; without one there is no duplicate detection (documented). */
function claimsFromSettings(deps: SweepFunctionDeps, deadlineMs: number): SweepClaims | null {
  const value = deps.env[APP_SETTINGS.stateTableEndpoint]?.trim();
  if (!value) return null;
  const account = tableAccountFrom(value, functionCredential(deps), APP_SETTINGS.stateTableEndpoint);
  // A claimant silent for two deadlines is taken for dead: a retry may sweep again.
  return TableSweepClaims.create(account, 2 * deadlineMs + 30_000, APP_SETTINGS.stateTableEndpoint);
}

/** Registered only when the queue is configured: a trigger without its connection would not start. */
export function sweepQueueConfigured(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(
    env[APP_SETTINGS.sweepQueue]?.trim() || env[`${APP_SETTINGS.sweepQueue}__queueServiceUri`]?.trim(),
  );
}

if (sweepQueueConfigured(process.env)) {
  app.storageQueue('sweep-environment', {
    queueName: SWEEP_QUEUE_NAME,
    connection: APP_SETTINGS.sweepQueue,
    handler: (body, context) => sweepQueueHandler(body, context),
  });
}
