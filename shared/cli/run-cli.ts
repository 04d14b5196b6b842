import { formatIssues } from '../config/config-issue.js';
import { loadConfig } from '../config/load-config.js';
import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import { diagnose } from '../diagnosis/diagnose.js';
import { discoverHosts } from '../discovery/discover-hosts.js';
import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { renderDiscoveryText } from '../report/discovery-text.js';
import { EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { renderReportJson } from '../report/report-json.js';
import { type SweepReport, worstState } from '../report/sweep-report.js';
import { renderTextMatrix } from '../report/text-matrix.js';
import { AGENT_PROBES, EXEC_PROBES } from '../sweep/default-probes.js';
import { runSweep } from '../sweep/run-sweep.js';
import type { SweepProgress } from '../sweep/sweep-progress.js';
import { openDockerClients } from '../transport/docker-clients.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { DISCOVER_HELP, MAIN_HELP, SWEEP_HELP } from './help-text.js';
import { type CliOptions, parseCliArgs } from './parse-cli-args.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * What later features plug into without touching the sweep core: extra probes, and a hook that
 * sees the finished report before it is printed (exports, alert state, HTML page).
 */
export interface CliExtensions {
  execProbes?: readonly ExecProbe[];
  agentProbes?: readonly AgentProbe[];
  afterSweep?: (report: SweepReport, options: CliOptions, config: TunnelwatchConfig) => Promise<void>;
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
}

// A sweep shorter than this prints nothing on stderr.
const PROGRESS_AFTER_MS = 1000;

/** The whole `tunnelwatch` command; returns the exit code. Only results go to stdout. */
export async function runCli(argv: readonly string[], io: CliIo, ext: CliExtensions = {}): Promise<number> {
  const args = parseCliArgs(argv);
  if (!args.ok) {
    const help = args.help === 'sweep' ? SWEEP_HELP : args.help === 'discover' ? DISCOVER_HELP : MAIN_HELP;
    if (args.error === null) {
      io.stdout.write(help);
      return 0;
    }
    io.stderr.write(`tunnelwatch: ${args.error}\n\n${help}`);
    return EXIT_USAGE;
  }
  const options = args.options;
  if (options.help) {
    io.stdout.write(options.command === 'sweep' ? SWEEP_HELP : DISCOVER_HELP);
    return 0;
  }

  const loaded = await loadConfig({
    ...(options.configPath !== undefined ? { path: options.configPath } : {}),
    env: io.env,
  });
  if (!loaded.ok) {
    io.stderr.write(`tunnelwatch: config error\n${indent(formatIssues(loaded.issues))}\n`);
    return EXIT_USAGE;
  }
  const config = loaded.config;
  const clients = openDockerClients(config);
  const clientFor = ext.clientFor ?? clients.clientFor;
  try {
    if (options.command === 'discover') {
      const hosts = await discoverHosts(config, clientFor, { deadlineMs: config.sweep.deadlineMs });
      io.stdout.write(options.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : renderDiscoveryText(hosts));
      return exitCodeFor(worstState(hosts.map((h) => h.state)));
    }
    const progress = delayedProgress(io.stderr);
    let report: SweepReport;
    try {
      report = await runSweep(config, {
        clientFor,
        execProbes: ext.execProbes ?? EXEC_PROBES,
        agentProbes: ext.agentProbes ?? AGENT_PROBES,
        diagnose,
        onProgress: progress.onProgress,
      });
    } finally {
      progress.stop();
    }
    await ext.afterSweep?.(report, options, config);
    io.stdout.write(options.json ? renderReportJson(report) : renderTextMatrix(report));
    return exitCodeFor(report.status);
  } finally {
    await clients.close();
  }
}

/** Progress lines on stderr, but only once the sweep has run for a second: quick sweeps stay silent. */
function delayedProgress(stderr: CliIo['stderr']) {
  let visible = false;
  let last: SweepProgress | null = null;
  const show = (e: SweepProgress) => {
    if (e.phase === 'discovered')
      stderr.write(`tunnelwatch: ${e.agents} of ${e.hosts} hosts have an agent; probing\n`);
    else if (e.phase === 'agent-probed')
      stderr.write(`tunnelwatch: probed from ${e.host} (${e.done}/${e.total})\n`);
    else stderr.write(`tunnelwatch: diagnosed ${e.pairs} host pairs\n`);
  };
  const timer = setTimeout(() => {
    visible = true;
    stderr.write('tunnelwatch: sweep running…\n');
    if (last) show(last);
  }, PROGRESS_AFTER_MS);
  return {
    onProgress(e: SweepProgress) {
      last = e;
      if (visible) show(e);
    },
    stop() {
      clearTimeout(timer);
    },
  };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
