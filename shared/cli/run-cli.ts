import { writeFile } from 'node:fs/promises';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { formatIssues } from '../config/config-issue.js';
import { loadConfig } from '../config/load-config.js';
import type { HostConfig } from '../config/tunnelwatch-config.js';
import { discoverHosts } from '../discovery/discover-hosts.js';
import { type SweepReport, worstState } from '../domain/sweep-report.js';
import { afterSweep } from '../pipeline/after-sweep.js';
import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { renderDiscoveryText } from '../report/discovery-text.js';
import { EXIT_CODES, EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { renderMatrixPage } from '../report/html/matrix-page.js';
import { renderReportJson } from '../report/report-json.js';
import { renderTextMatrix } from '../report/text-matrix.js';
import { errorText } from '../secrets/secret-redactor.js';
import { runSweep } from '../sweep/run-sweep.js';
import { assembleSweep } from '../sweep/sweep-dependencies.js';
import type { SweepProgress } from '../sweep/sweep-progress.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { DISCOVER_HELP, MAIN_HELP, SERVE_HELP, SWEEP_HELP } from './help-text.js';
import { type CliCommand, parseCliArgs } from './parse-cli-args.js';
import { runServe } from './serve-command.js';
import { openSweepOutputs } from './sweep-outputs.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Ends `serve` (main.ts aborts it on SIGINT / SIGTERM). */
  signal?: AbortSignal;
}

/** What tests plug into without touching the sweep core: other probes and replacement adapters. */
export interface CliExtensions {
  execProbes?: readonly ExecProbe[];
  agentProbes?: readonly AgentProbe[];
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
  /** Replaces the Entra credential for --entra and Table URLs (tests). */
  credential?: TokenCredential;
  /** Replaces the telemetry exporter's HTTP client (tests capture on plain http). */
  telemetryHttpClient?: HttpClient;
  /** serve: called once the page is served, and after each sweep has been stored. */
  onServing?: (url: string) => void;
  onServeSweep?: (url: string, sweep: number, report: SweepReport) => Promise<void> | void;
  now?: () => Date;
}

// A sweep shorter than this prints nothing on stderr.
const PROGRESS_AFTER_MS = 1000;

const HELP: Record<CliCommand, string> = { sweep: SWEEP_HELP, discover: DISCOVER_HELP, serve: SERVE_HELP };

/** The whole `tunnelwatch` command; returns the exit code. Only results go to stdout. */
export async function runCli(argv: readonly string[], io: CliIo, ext: CliExtensions = {}): Promise<number> {
  const args = parseCliArgs(argv);
  if (!args.ok) {
    const help = args.help === null || args.help === 'main' ? MAIN_HELP : HELP[args.help];
    if (args.error === null) {
      io.stdout.write(help);
      return 0;
    }
    io.stderr.write(`tunnelwatch: ${args.error}\n\n${help}`);
    return EXIT_USAGE;
  }
  const options = args.options;
  if (options.help) {
    io.stdout.write(HELP[options.command]);
    return 0;
  }

  // Telemetry starts before anything else runs (useAzureMonitor wants to be first).
  const opened =
    options.command === 'sweep'
      ? openSweepOutputs(options, {
          env: io.env,
          stderr: io.stderr,
          ...(ext.credential ? { credential: ext.credential } : {}),
          ...(ext.telemetryHttpClient ? { telemetryHttpClient: ext.telemetryHttpClient } : {}),
        })
      : null;
  if (opened && !opened.ok) {
    io.stderr.write(`tunnelwatch: ${opened.error}\n`);
    return EXIT_USAGE;
  }
  const outputs = opened?.outputs ?? null;
  try {
    const loaded = await loadConfig({
      ...(options.configPath !== undefined ? { path: options.configPath } : {}),
      env: io.env,
    });
    if (!loaded.ok) {
      io.stderr.write(`tunnelwatch: config error\n${indent(formatIssues(loaded.issues))}\n`);
      return EXIT_USAGE;
    }
    const config = loaded.config;
    const overrides = {
      ...(ext.clientFor ? { clientFor: ext.clientFor } : {}),
      ...(ext.execProbes ? { execProbes: ext.execProbes } : {}),
      ...(ext.agentProbes ? { agentProbes: ext.agentProbes } : {}),
    };
    const assembled = assembleSweep(overrides);
    const clientFor = assembled.deps.clientFor;
    // Docker clients live for one sweep (serve runs many): an ssh host gets one connection per sweep.
    const sweep = async (onProgress?: (e: SweepProgress) => void) => {
      const one = assembleSweep(overrides);
      try {
        return await runSweep(config, { ...one.deps, ...(onProgress ? { onProgress } : {}) });
      } finally {
        await one.close();
      }
    };
    try {
      if (options.command === 'discover') {
        const hosts = await discoverHosts(config, clientFor, { deadlineMs: config.sweep.deadlineMs });
        io.stdout.write(
          options.json ? `${JSON.stringify({ hosts }, null, 2)}\n` : renderDiscoveryText(hosts),
        );
        return exitCodeFor(worstState(hosts.map((h) => h.state)));
      }
      if (options.command === 'serve') return await runServe(options, config, () => sweep(), io, ext);

      const progress = delayedProgress(io.stderr);
      let report: SweepReport;
      try {
        report = await sweep(progress.onProgress);
      } finally {
        progress.stop();
      }
      const result = await afterSweep(
        report,
        config.hosts.map((h) => h.name),
        { ...outputs!.steps, ...(ext.now ? { now: ext.now } : {}) },
      );
      const failed = result.problems.map(
        (p) => `tunnelwatch: ${p.step === 'alerts' ? '--alert-state' : '--history'}: ${p.message}\n`,
      );
      if (options.html !== undefined) {
        const page = renderMatrixPage(report, result.history, ext.now?.() ?? new Date());
        try {
          await writeFile(options.html, page, 'utf8');
        } catch (error) {
          failed.push(
            `tunnelwatch: --html: cannot write ${options.html} (${(error as NodeJS.ErrnoException).code ?? errorText(error)})\n`,
          );
        }
      }
      io.stdout.write(options.json ? renderReportJson(report) : renderTextMatrix(report));
      for (const line of failed) io.stderr.write(line);
      // A requested output that failed makes the run "unknown": its result is incomplete.
      return failed.length > 0 ? EXIT_CODES.unknown : exitCodeFor(report.status);
    } finally {
      await assembled.close();
    }
  } finally {
    await outputs?.close();
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
