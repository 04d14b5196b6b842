import { writeFile } from 'node:fs/promises';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { SweepReport } from '../domain/sweep-report.js';
import { afterSweep } from '../pipeline/after-sweep.js';
import { previousReport } from '../pipeline/previous-report.js';
import { EXIT_CODES, EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { renderMatrixPage } from '../report/html/matrix-page.js';
import { renderReportJson } from '../report/report-json.js';
import { renderTextMatrix } from '../report/text-matrix.js';
import { errorText } from '../secrets/secret-redactor.js';
import { runSweep } from '../sweep/run-sweep.js';
import { assembleSweep } from '../sweep/sweep-dependencies.js';
import type { SweepProgress } from '../sweep/sweep-progress.js';
import { loadCliConfig } from './cli-config.js';
import { type CliIo, type SweepHooks, sweepOverrides } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';
import { openSweepOutputs } from './sweep-outputs.js';

/** What tests plug into `sweep`: the sweep's adapters, and those of its outputs. */
export interface SweepCommandHooks extends SweepHooks {
  /** Replaces the Entra credential for --entra and Table URLs (tests). */
  credential?: TokenCredential;
  /** Replaces the telemetry exporter's HTTP client (tests capture on plain http). */
  telemetryHttpClient?: HttpClient;
  now?: () => Date;
}

// A sweep shorter than this prints nothing on stderr.
const PROGRESS_AFTER_MS = 1000;

/**
 * `tunnelwatch sweep`: one sweep, the report on stdout, then the outputs asked for (--export,
 * --alert-state, --history, --html); an output that fails makes the exit code `unknown`.
 */
export async function runSweepCommand(
  options: CliOptions,
  io: CliIo,
  hooks: SweepCommandHooks = {},
): Promise<number> {
  // Telemetry starts before anything else runs (useAzureMonitor wants to be first).
  const opened = openSweepOutputs(options, {
    env: io.env,
    stderr: io.stderr,
    ...(hooks.credential ? { credential: hooks.credential } : {}),
    ...(hooks.telemetryHttpClient ? { telemetryHttpClient: hooks.telemetryHttpClient } : {}),
  });
  if (!opened.ok) {
    io.stderr.write(`tunnelwatch: ${opened.error}\n`);
    return EXIT_USAGE;
  }
  const { outputs } = opened;
  try {
    const config = await loadCliConfig(options, io);
    if (!config) return EXIT_USAGE;
    const sweep = assembleSweep(sweepOverrides(hooks));
    const progress = delayedProgress(io.stderr);
    // Sampling peers: the unprobed pairs carry the newest report of --history, when given.
    const previous = await previousReport(config, null, outputs.steps.historyStore);
    if (previous.problem) io.stderr.write(`tunnelwatch: --history: ${previous.problem}\n`);
    let report: SweepReport;
    try {
      report = await runSweep(config, {
        ...sweep.deps,
        onProgress: progress.onProgress,
        previousReport: previous.report,
      });
    } finally {
      progress.stop();
      await sweep.close();
    }
    const result = await afterSweep(
      report,
      config.hosts.map((h) => h.name),
      { ...outputs.steps, ...(hooks.now ? { now: hooks.now } : {}) },
    );
    const failed = result.problems.map(
      (p) => `tunnelwatch: ${p.step === 'alerts' ? '--alert-state' : '--history'}: ${p.message}\n`,
    );
    if (options.html !== undefined) {
      const page = renderMatrixPage(report, result.history, hooks.now?.() ?? new Date());
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
    await outputs.close();
  }
}

/** Progress lines on stderr, but only once the sweep has run for a second: quick sweeps stay silent. */
function delayedProgress(stderr: CliIo['stderr']) {
  let visible = false;
  let last: SweepProgress | null = null;
  const show = (e: SweepProgress) => {
    if (e.phase === 'discovered')
      stderr.write(
        `tunnelwatch: ${e.agents} of ${e.hosts} hosts have an agent${e.from === 'cache' ? ' (last sweep; revalidating)' : ''}; probing\n`,
      );
    else if (e.phase === 'agent-probed')
      stderr.write(`tunnelwatch: probed from ${e.host} (${e.done}/${e.total})\n`);
    else if (e.phase === 'diagnosed') stderr.write(`tunnelwatch: diagnosed ${e.pairs} host pairs\n`);
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
