import { app, type InvocationContext, type Timer } from '@azure/functions';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../shared/azure/azure-credential.js';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import { formatIssues } from '../shared/config/config-issue.js';
import { loadConfig } from '../shared/config/load-config.js';
import type { HostConfig } from '../shared/config/tunnelwatch-config.js';
import { printableText } from '../shared/domain/printable-text.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import { afterSweep, alertSummary } from '../shared/pipeline/after-sweep.js';
import { type StateStores, stateStoresFromSettings } from '../shared/pipeline/state-stores.js';
import type { AgentProbe, ExecProbe } from '../shared/probes/agent-probe.js';
import { secretRedactor } from '../shared/secrets/secret-redactor.js';
import { runSweep } from '../shared/sweep/run-sweep.js';
import { type AssembledSweep, assembleSweep } from '../shared/sweep/sweep-dependencies.js';
import { sweepSummary } from '../shared/sweep/sweep-summary.js';
import type { TelemetrySink } from '../shared/telemetry/telemetry-sink.js';
import type { DockerHostClient } from '../shared/transport/docker-host-client.js';
import { functionTelemetry } from './start-telemetry.js';

type Env = Readonly<Record<string, string | undefined>>;

// A warm instance keeps one assembled sweep, so its discovery cache outlives the invocation (its
// Docker connections do not: they are closed after each sweep). Timer runs do not overlap.
let instanceSweep: AssembledSweep | null = null;

export interface SweepTimerDeps {
  env: Env;
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
  /** Replace the default probe registry (tests whose fake agents only run ping). */
  execProbes?: readonly ExecProbe[];
  agentProbes?: readonly AgentProbe[];
  /** Default: the sink started at Function start-up (start-telemetry.ts); null: telemetry off. */
  telemetry?: TelemetrySink | null;
  /** Default: the managed identity (AZURE_CLIENT_ID), used only for an https Table endpoint. */
  credential?: TokenCredential;
  now?: () => Date;
}

/**
 * Wiring only: app settings → config → adapters → the shared sweep → the shared after-sweep
 * pipeline (alerts, history, telemetry) → one summary line. A failed pipeline step is logged and
 * fails the invocation after the others have run, so the heartbeat still goes out.
 */
export async function sweepTimerHandler(
  _timer: Timer,
  context: InvocationContext,
  deps: SweepTimerDeps = { env: process.env },
): Promise<SweepReport> {
  const loaded = await loadConfig({ env: deps.env });
  if (!loaded.ok) {
    const message = `tunnelwatch config error in ${APP_SETTINGS.config}:\n${formatIssues(loaded.issues)}`;
    context.error(printableText(message));
    throw new Error(message);
  }
  const config = loaded.config;
  const credential = () => deps.credential ?? azureCredential(deps.env as NodeJS.ProcessEnv);
  let stores: StateStores | null;
  try {
    stores = stateStoresFromSettings(deps.env, credential);
  } catch (error) {
    // The message names the setting and never quotes its value.
    context.error(printableText((error as Error).message));
    throw error;
  }
  const telemetry = deps.telemetry !== undefined ? deps.telemetry : functionTelemetry.sink;
  if (telemetry === null && deps.telemetry === undefined && functionTelemetry.off) {
    context.warn(functionTelemetry.off);
  }

  const overrides = {
    ...(deps.clientFor ? { clientFor: deps.clientFor } : {}),
    ...(deps.execProbes ? { execProbes: deps.execProbes } : {}),
    ...(deps.agentProbes ? { agentProbes: deps.agentProbes } : {}),
  };
  // The real sweep goes through the instance's one assembly; a test's fakes get an assembly of their own.
  let sweep: AssembledSweep;
  if (Object.keys(overrides).length > 0) sweep = assembleSweep(overrides);
  else {
    instanceSweep ??= assembleSweep();
    sweep = instanceSweep;
  }
  let report: SweepReport;
  try {
    report = await runSweep(config, sweep.deps);
  } finally {
    await sweep.close();
  }

  const result = await afterSweep(
    report,
    config.hosts.map((h) => h.name),
    {
      ...(stores ? { alertStore: stores.alerts, historyStore: stores.history } : {}),
      telemetry,
      ...(deps.now ? { now: deps.now } : {}),
      redact: secretRedactor([
        deps.env[APP_SETTINGS.stateTableEndpoint],
        deps.env[APP_SETTINGS.reportBlobEndpoint],
      ]),
    },
  );
  // Log lines may quote host or store text: printed escaped, never as terminal controls.
  context.log(printableText(`${sweepSummary(report)}${alertSummary(result.outcome)}`));
  for (const problem of result.problems)
    context.error(printableText(`sweep ${problem.step}: ${problem.message}`));
  if (result.problems.length > 0) {
    throw new Error(
      `sweep finished, but ${result.problems.map((p) => p.step).join(' and ')} failed (see log)`,
    );
  }
  return report;
}

app.timer('sweep', {
  schedule: `%${APP_SETTINGS.sweepSchedule}%`,
  handler: (timer, context) => sweepTimerHandler(timer, context),
});
