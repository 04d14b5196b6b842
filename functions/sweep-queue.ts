import { app, type InvocationContext } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import { type SweepClaims, TableSweepClaims } from '../shared/fanout/sweep-claims.js';
import { decodeSweepMessage } from '../shared/fanout/sweep-message.js';
import { SWEEP_QUEUE_NAME } from '../shared/fanout/sweep-queue.js';
import { tableAccountFrom } from '../shared/storage/table-storage.js';
import {
  functionCredential,
  loadFunctionConfig,
  type SweepFunctionDeps,
  sweepEnvironment,
} from './sweep-environment.js';

export interface SweepQueueDeps extends SweepFunctionDeps {
  /** Replaces the claims kept in the state table (tests); null: no duplicate detection. */
  claims?: SweepClaims | null;
}

/**
 * Why a message was not swept, as data: `invalid` (not ours: completed, never retried), `unknown-
 * environment` (the config changed since it was enqueued), `stale` (it waited longer than a sweep is
 * worth), `duplicate` (this environment and tick has run or is running).
 */
export type SkipReason = 'invalid' | 'unknown-environment' | 'stale' | 'duplicate';

/**
 * The queue-triggered half of the fan-out: one message, one environment's sweep. A failing sweep
 * releases its claim and throws, so the host retries the message (host.json maxDequeueCount) and
 * finally moves it to the poison queue; a message that cannot succeed is completed with a log line.
 */
export async function sweepQueueHandler(
  body: unknown,
  context: InvocationContext,
  deps: SweepQueueDeps = { env: process.env },
): Promise<SweepReport | { skipped: SkipReason }> {
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
  if (claims && !(await claims.claim(environment.environment, message.tick, now))) {
    context.log(`sweep of ${message.environment} for ${message.tick} skipped: a duplicate delivery`);
    return { skipped: 'duplicate' };
  }
  try {
    const report = await sweepEnvironment(environment, context, deps, config.environments.length > 1);
    await claims?.complete(environment.environment, message.tick);
    return report;
  } catch (error) {
    await claims?.release(environment.environment, message.tick).catch(() => undefined);
    throw error;
  }
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
