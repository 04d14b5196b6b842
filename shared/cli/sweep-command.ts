import { writeFile } from 'node:fs/promises';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../domain/environment-name.js';
import { type SweepReport, worstState } from '../domain/sweep-report.js';
import { type AfterSweepSteps, afterSweep } from '../pipeline/after-sweep.js';
import { previousReport } from '../pipeline/previous-report.js';
import { EXIT_CODES, EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { renderMatrixPage } from '../report/html/matrix-page.js';
import { writeReportJson } from '../report/report-json.js';
import { renderTextMatrix } from '../report/text-matrix.js';
import { errorText } from '../secrets/secret-redactor.js';
import { runSweep, type SweepDeps } from '../sweep/run-sweep.js';
import { assembleSweep } from '../sweep/sweep-dependencies.js';
import type { SweepProgress } from '../sweep/sweep-progress.js';
import { environmentHeading, loadCliConfig } from './cli-config.js';
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
    const environments = await loadCliConfig(options, io);
    if (!environments) return EXIT_USAGE;
    // One assembly per environment: host names (and so the discovery cache's keys) are per environment.
    const sweeps = environments.map(() => assembleSweep(sweepOverrides(hooks)));
    // Progress lines only make sense for one sweep at a time.
    const progress = delayedProgress(environments.length === 1 ? io.stderr : null);
    let results: EnvironmentResult[];
    try {
      // Every environment at once, each its own sweep: one environment's dead hosts delay no other.
      results = await Promise.all(
        environments.map((config, i) =>
          sweepEnvironment(config, { ...sweeps[i]!.deps, onProgress: progress.onProgress }, options, {
            steps: { ...outputs.stepsFor(config.environment), ...(hooks.now ? { now: hooks.now } : {}) },
            pagePath:
              options.html === undefined
                ? undefined
                : environments.length === 1
                  ? options.html
                  : pagePathFor(options.html, config.environment),
            now: hooks.now ?? (() => new Date()),
          }),
        ),
      );
    } finally {
      progress.stop();
      await Promise.all(sweeps.map((s) => s.close()));
    }
    if (options.json) {
      writeReportJson(
        results.map((r) => r.report),
        (text) => io.stdout.write(text),
      );
    } else {
      for (const [i, r] of results.entries())
        io.stdout.write(environmentHeading(environments, environments[i]!) + renderTextMatrix(r.report));
    }
    const failed = results.flatMap((r) => r.failed);
    for (const line of [...results.flatMap((r) => r.warnings), ...failed]) io.stderr.write(line);
    // A requested output that failed makes the run "unknown": its result is incomplete.
    if (failed.length > 0) return EXIT_CODES.unknown;
    return exitCodeFor(worstState(results.map((r) => r.report.status)));
  } finally {
    await outputs.close();
  }
}

interface EnvironmentResult {
  report: SweepReport;
  /** stderr lines of the outputs that failed. */
  failed: string[];
  /** stderr lines that do not change the exit code. */
  warnings: string[];
}

/** One environment: its sweep, its after-sweep steps, its page. */
async function sweepEnvironment(
  config: TunnelwatchConfig,
  deps: SweepDeps,
  options: CliOptions,
  out: { steps: AfterSweepSteps; pagePath: string | undefined; now: () => Date },
): Promise<EnvironmentResult> {
  // Sampling peers: the unprobed pairs carry the newest report of --history, when given.
  const previous = await previousReport(config, null, out.steps.historyStore);
  const warnings = previous.problem ? [`tunnelwatch: --history: ${previous.problem}\n`] : [];
  const report = await runSweep(config, { ...deps, previousReport: previous.report });
  const result = await afterSweep(
    report,
    config.hosts.map((h) => h.name),
    out.steps,
  );
  const where = (flag: string) =>
    options.environment === undefined && config.environment !== DEFAULT_ENVIRONMENT
      ? `${flag} (${config.environment})`
      : flag;
  const failed = result.problems.map(
    (p) => `tunnelwatch: ${where(p.step === 'alerts' ? '--alert-state' : '--history')}: ${p.message}\n`,
  );
  if (out.pagePath !== undefined) {
    const page = renderMatrixPage(report, result.history, out.now());
    try {
      await writeFile(out.pagePath, page, 'utf8');
    } catch (error) {
      failed.push(
        `tunnelwatch: --html: cannot write ${out.pagePath} (${(error as NodeJS.ErrnoException).code ?? errorText(error)})\n`,
      );
    }
  }
  return { report, failed, warnings };
}

/** `matrix.html` → `matrix-prod.html`: with several environments, one page each. */
export function pagePathFor(path: string, environment: EnvironmentName): string {
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return dot > slash + 1
    ? `${path.slice(0, dot)}-${environment}${path.slice(dot)}`
    : `${path}-${environment}`;
}

/** Progress lines on stderr, but only once the sweep has run for a second: quick sweeps stay silent. */
function delayedProgress(stderr: CliIo['stderr'] | null) {
  let visible = false;
  let last: SweepProgress | null = null;
  const show = (e: SweepProgress) => {
    if (e.phase === 'discovered')
      stderr?.write(
        `tunnelwatch: ${e.agents} of ${e.hosts} hosts have an agent${e.from === 'cache' ? ' (last sweep; revalidating)' : ''}; probing\n`,
      );
    else if (e.phase === 'agent-probed')
      stderr?.write(`tunnelwatch: probed from ${e.host} (${e.done}/${e.total})\n`);
    else if (e.phase === 'diagnosed') stderr?.write(`tunnelwatch: diagnosed ${e.pairs} host pairs\n`);
  };
  const timer = setTimeout(() => {
    if (!stderr) return;
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
