import { app, type InvocationContext, type Timer } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import type { EnvironmentName } from '../shared/domain/environment-name.js';
import { printableText } from '../shared/domain/printable-text.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import type { SweepQueue } from '../shared/fanout/sweep-queue.js';
import { timerTicks } from '../shared/schedule/timer-ticks.js';
import { errorText, secretRedactor } from '../shared/secrets/secret-redactor.js';
import { dueEnvironments } from '../shared/sweep/due-environments.js';
import { loadFunctionConfig, type SweepFunctionDeps, sweepEnvironment } from './sweep-environment.js';
import { sweepQueueFromSettings } from './sweep-queue-settings.js';

export interface SweepTimerDeps extends SweepFunctionDeps {
  /** Replaces the Storage Queue named by the TUNNELWATCH_SWEEP_QUEUE settings (tests). */
  queue?: SweepQueue | null;
}

export interface TimerOutcome {
  /** Environments handed to the queue-triggered Function (queue configured). */
  enqueued: EnvironmentName[];
  /** Environments swept in this invocation (no queue configured). */
  reports: SweepReport[];
}

/**
 * Wiring only. With a sweep queue configured, the timer enqueues one message per environment due at
 * this tick and the queue-triggered Function (sweep-queue.ts) sweeps each, so Azure Functions' own
 * scale-out spreads the environments over instances. Without one, it sweeps the due environments
 * itself, all at once; one failing does not stop the others, and fails the invocation after them.
 */
export async function sweepTimerHandler(
  _timer: Timer,
  context: InvocationContext,
  deps: SweepTimerDeps = { env: process.env },
): Promise<TimerOutcome> {
  const config = await loadFunctionConfig(deps.env, context);
  const { tick, previous } = timerTicks(deps.env[APP_SETTINGS.sweepSchedule], deps.now?.() ?? new Date());
  const due = dueEnvironments(config.environments, previous, tick);
  const queue = deps.queue !== undefined ? deps.queue : sweepQueueFromSettings(deps.env, deps, context);
  if (queue) {
    try {
      for (const environment of due) {
        await queue.enqueue({ v: 1, environment: environment.environment, tick: tick.toISOString() });
      }
    } catch (error) {
      // An SDK error may quote its request; the setting's value (an account key) never leaves here.
      const message = secretRedactor([deps.env[APP_SETTINGS.sweepQueue]])(
        `enqueueing the environment sweeps failed: ${errorText(error)}`,
      );
      context.error(printableText(message));
      throw new Error(message);
    }
    const names = due.map((e) => e.environment);
    context.log(
      `enqueued ${names.length} environment sweep(s) for ${tick.toISOString()}: ${names.join(', ')}`,
    );
    return { enqueued: names, reports: [] };
  }
  const several = config.environments.length > 1;
  const settled = await Promise.allSettled(due.map((e) => sweepEnvironment(e, context, deps, several)));
  const reports = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
  if (failed.length > 0)
    throw failed.length === 1 ? failed[0] : new Error(failed.map((e) => e.message).join('; '));
  return { enqueued: [], reports };
}

app.timer('sweep', {
  schedule: `%${APP_SETTINGS.sweepSchedule}%`,
  handler: (timer, context) => sweepTimerHandler(timer, context),
});
