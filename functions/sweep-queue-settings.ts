import type { InvocationContext } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import { printableText } from '../shared/domain/printable-text.js';
import { type SweepQueue, storageSweepQueue } from '../shared/fanout/sweep-queue.js';
import { type Env, functionCredential, type SweepFunctionDeps } from './sweep-environment.js';

/** The sweep queue from app settings, or null when none is configured (the timer sweeps itself). */
export function sweepQueueFromSettings(
  env: Env,
  deps: SweepFunctionDeps,
  context: InvocationContext,
): SweepQueue | null {
  const connection = env[APP_SETTINGS.sweepQueue]?.trim();
  const endpoint = env[`${APP_SETTINGS.sweepQueue}__queueServiceUri`]?.trim();
  const value = connection || endpoint;
  if (!value) return null;
  try {
    return storageSweepQueue(value, functionCredential(deps), APP_SETTINGS.sweepQueue);
  } catch (error) {
    context.error(printableText((error as Error).message));
    throw error;
  }
}
