import type { InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from '../shared/azure/azure-credential.js';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import { formatIssues } from '../shared/config/config-issue.js';
import { loadConfig } from '../shared/config/load-config.js';
import type { HostConfig, MonitorConfig, TunnelwatchConfig } from '../shared/config/tunnelwatch-config.js';
import { printableText } from '../shared/domain/printable-text.js';
import type { SweepReport } from '../shared/domain/sweep-report.js';
import { afterSweep, alertSummary } from '../shared/pipeline/after-sweep.js';
import { previousReport } from '../shared/pipeline/previous-report.js';
import { type StateStores, stateStoresFromSettings } from '../shared/pipeline/state-stores.js';
import type { AgentProbe, ExecProbe } from '../shared/probes/agent-probe.js';
import { secretRedactor } from '../shared/secrets/secret-redactor.js';
import { runSweep, type SweepDeps } from '../shared/sweep/run-sweep.js';
import { type AssembledSweep, assembleSweep } from '../shared/sweep/sweep-dependencies.js';
import { sweepSummary } from '../shared/sweep/sweep-summary.js';
import type { TelemetrySink } from '../shared/telemetry/telemetry-sink.js';
import type { DockerHostClient } from '../shared/transport/docker-host-client.js';
import { functionTelemetry } from './start-telemetry.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** What the sweeping Functions (timer, queue) are built from; tests replace the adapters. */
export interface SweepFunctionDeps {
  env: Env;
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
  /** Replace the default probe registry (tests whose fake agents only run ping). */
  execProbes?: readonly ExecProbe[];
  agentProbes?: readonly AgentProbe[];
  /** Default: the sink started at Function start-up (start-telemetry.ts); null: telemetry off. */
  telemetry?: TelemetrySink | null;
  /** Default: the managed identity (AZURE_CLIENT_ID), used only for https storage endpoints. */
  credential?: TokenCredential;
  now?: () => Date;
}

/** The config from app settings; a config that does not load fails the invocation, the field named. */
export async function loadFunctionConfig(env: Env, context: InvocationContext): Promise<MonitorConfig> {
  const loaded = await loadConfig({ env });
  if (loaded.ok) return loaded.config;
  const message = `tunnelwatch config error in ${APP_SETTINGS.config}:\n${formatIssues(loaded.issues)}`;
  context.error(printableText(message));
  throw new Error(message);
}

export function functionCredential(deps: SweepFunctionDeps): () => TokenCredential {
  return () => deps.credential ?? azureCredential(deps.env as NodeJS.ProcessEnv);
}

// A warm instance keeps one assembled sweep per environment, so its discovery cache outlives the
// invocation (its Docker connections do not: they are closed after each sweep).
const instanceSweeps = new Map<string, AssembledSweep>();
// Sampling peers: each environment's last report on this instance, where unprobed pairs take their
// verdicts from (a cold start reads the newest stored report instead).
const instanceLastReports = new Map<string, SweepReport>();

/** How a report comes about: one whole sweep (runSweep), or the finish of a sharded one. */
export type ProduceReport = (config: TunnelwatchConfig, deps: SweepDeps) => Promise<SweepReport>;

/**
 * One environment's sweep and after-sweep pipeline (alerts, history, telemetry), then one summary
 * line. A failed pipeline step is logged and fails the invocation after the others have run, so the
 * heartbeat still goes out.
 */
export async function sweepEnvironment(
  config: TunnelwatchConfig,
  context: InvocationContext,
  deps: SweepFunctionDeps,
  several = false,
  produce: ProduceReport = runSweep,
): Promise<SweepReport> {
  let stores: StateStores | null;
  try {
    stores = stateStoresFromSettings(deps.env, functionCredential(deps), config.environment);
  } catch (error) {
    // The message names the setting and never quotes its value.
    context.error(printableText((error as Error).message));
    throw error;
  }
  const telemetry = deps.telemetry !== undefined ? deps.telemetry : functionTelemetry.sink;
  if (telemetry === null && deps.telemetry === undefined && functionTelemetry.off) {
    context.warn(functionTelemetry.off);
  }
  const sweep = environmentSweep(config, deps);
  const scope = several ? `${config.environment}: ` : '';
  const redact = secretRedactor([
    deps.env[APP_SETTINGS.stateTableEndpoint],
    deps.env[APP_SETTINGS.reportBlobEndpoint],
  ]);
  const previous = await previousReport(
    config,
    instanceLastReports.get(config.environment) ?? null,
    stores?.history,
  );
  if (previous.problem) context.warn(printableText(`${scope}sweep history: ${redact(previous.problem)}`));
  let report: SweepReport;
  try {
    report = await produce(config, { ...sweep.deps, previousReport: previous.report });
  } finally {
    await sweep.close();
  }
  instanceLastReports.set(config.environment, report);
  const result = await afterSweep(
    report,
    config.hosts.map((h) => h.name),
    {
      ...(stores ? { alertStore: stores.alerts, historyStore: stores.history } : {}),
      telemetry,
      ...(deps.now ? { now: deps.now } : {}),
      redact,
    },
  );
  // Log lines may quote host or store text: printed escaped, never as terminal controls.
  context.log(printableText(`${scope}${sweepSummary(report)}${alertSummary(result.outcome)}`));
  for (const problem of result.problems)
    context.error(printableText(`${scope}sweep ${problem.step}: ${problem.message}`));
  if (result.problems.length > 0) {
    throw new Error(
      `${scope}sweep finished, but ${result.problems.map((p) => p.step).join(' and ')} failed (see log)`,
    );
  }
  return report;
}

/**
 * The sweep's adapters for an environment: the instance's own (its discovery cache outlives the
 * invocation), or, when a test replaced any, an assembly of the test's fakes.
 */
export function environmentSweep(config: TunnelwatchConfig, deps: SweepFunctionDeps): AssembledSweep {
  const overrides = {
    ...(deps.clientFor ? { clientFor: deps.clientFor } : {}),
    ...(deps.execProbes ? { execProbes: deps.execProbes } : {}),
    ...(deps.agentProbes ? { agentProbes: deps.agentProbes } : {}),
  };
  if (Object.keys(overrides).length > 0) return assembleSweep(overrides);
  const sweep = instanceSweeps.get(config.environment) ?? assembleSweep();
  instanceSweeps.set(config.environment, sweep);
  return sweep;
}
