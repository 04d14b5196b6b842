import { app, type InvocationContext, type Timer } from '@azure/functions';
import { APP_SETTINGS } from '../shared/config/app-settings.js';
import { formatIssues } from '../shared/config/config-issue.js';
import { loadConfig } from '../shared/config/load-config.js';
import type { HostConfig } from '../shared/config/tunnelwatch-config.js';
import { diagnose } from '../shared/diagnosis/diagnose.js';
import type { SweepReport } from '../shared/report/sweep-report.js';
import { AGENT_PROBES, EXEC_PROBES } from '../shared/sweep/default-probes.js';
import { runSweep } from '../shared/sweep/run-sweep.js';
import { sweepSummary } from '../shared/sweep/sweep-summary.js';
import { openDockerClients } from '../shared/transport/docker-clients.js';
import type { DockerHostClient } from '../shared/transport/docker-host-client.js';

export interface SweepTimerDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
}

/** Wiring only: app settings → config → adapters → the shared sweep → one summary line. */
export async function sweepTimerHandler(
  _timer: Timer,
  context: InvocationContext,
  deps: SweepTimerDeps = { env: process.env },
): Promise<SweepReport> {
  const loaded = await loadConfig({ env: deps.env });
  if (!loaded.ok) {
    const message = `tunnelwatch config error in ${APP_SETTINGS.config}:\n${formatIssues(loaded.issues)}`;
    context.error(message);
    throw new Error(message);
  }
  const clients = openDockerClients(loaded.config);
  try {
    const report = await runSweep(loaded.config, {
      clientFor: deps.clientFor ?? clients.clientFor,
      execProbes: EXEC_PROBES,
      agentProbes: AGENT_PROBES,
      diagnose,
    });
    context.log(sweepSummary(report));
    return report;
  } finally {
    await clients.close();
  }
}

app.timer('sweep', {
  schedule: `%${APP_SETTINGS.sweepSchedule}%`,
  handler: (timer, context) => sweepTimerHandler(timer, context),
});
