import { DEFAULT_ENVIRONMENT } from '../domain/environment-name.js';
import { type SweepReport, worstState } from '../domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../history/memory-report-history-store.js';
import { afterSweep } from '../pipeline/after-sweep.js';
import { EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { startMatrixServer } from '../serve/matrix-server.js';
import { dueEnvironments } from '../sweep/due-environments.js';
import { runSweep } from '../sweep/run-sweep.js';
import { assembleSweep } from '../sweep/sweep-dependencies.js';
import { sweepSummary } from '../sweep/sweep-summary.js';
import { loadCliConfig } from './cli-config.js';
import { type CliIo, type SweepHooks, sweepOverrides } from './cli-io.js';
import type { CliOptions } from './parse-cli-args.js';

/** What tests plug into `serve`: the sweep's adapters, and a look at each step. */
export interface ServeCommandHooks extends SweepHooks {
  /** Called once the page is served. */
  onServing?: (url: string) => void;
  /** Called after each sweep has been stored. */
  onServeSweep?: (url: string, sweep: number, report: SweepReport) => Promise<void> | void;
}

// The page shows DEFAULT_HISTORY_LENGTH sweeps of history; an hour at a 1-minute interval leaves room for more.
const KEPT_REPORTS = 60;

/**
 * `tunnelwatch serve`: sweep every `intervalSec` (start to start), keep the reports in memory and
 * serve the matrix page on 127.0.0.1 until `count` sweeps are done or the signal aborts.
 */
export async function runServeCommand(
  options: CliOptions,
  io: CliIo,
  hooks: ServeCommandHooks = {},
): Promise<number> {
  const environments = await loadCliConfig(options, io);
  if (!environments) return EXIT_USAGE;
  // One assembly per environment for every sweep, so its discovery cache carries over; Docker
  // clients still live for one sweep: an ssh host gets one connection per sweep, closed at its end.
  const served = new Map(
    environments.map((config) => [
      config.environment as string,
      {
        config,
        sweep: assembleSweep(sweepOverrides(hooks)),
        store: new MemoryReportHistoryStore(KEPT_REPORTS),
      },
    ]),
  );
  const first = environments[0]!.environment;
  let server: Awaited<ReturnType<typeof startMatrixServer>>;
  try {
    server = await startMatrixServer({
      // The page of the first environment without ?environment=; an unknown name has no reports.
      sources: (environment) =>
        served.get(environment === DEFAULT_ENVIRONMENT ? first : environment)?.store ?? EMPTY_SOURCE,
      host: '127.0.0.1',
      port: options.port,
      page: { sweepIntervalMs: options.intervalSec * 1000 },
      log: (message) => io.stderr.write(`${message}\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.stderr.write(
      `tunnelwatch: cannot serve on 127.0.0.1:${options.port} (${code ?? (error as Error).message})${code === 'EADDRINUSE' ? '; pick another --port' : ''}\n`,
    );
    return EXIT_USAGE;
  }
  io.stdout.write(`${server.url}/api/matrix\n`);
  hooks.onServing?.(server.url);
  const last = new Map<string, SweepReport>();
  let previousTick: Date | null = null;
  try {
    for (let n = 1; options.count === undefined || n <= options.count; n++) {
      if (io.signal?.aborted) break;
      const started = Date.now();
      const tick = new Date(started);
      // Each due environment sweeps at once, on its own: one's dead hosts delay no other.
      const due = dueEnvironments(environments, previousTick, tick);
      previousTick = tick;
      const reports = await Promise.all(
        due.map(async (config) => {
          const { sweep, store } = served.get(config.environment)!;
          // Sampling peers: the pairs this sweep does not probe carry the last sweep's verdicts.
          const previousReport = config.sweep.sampling ? (last.get(config.environment) ?? null) : null;
          let report: SweepReport;
          try {
            report = await runSweep(config, { ...sweep.deps, previousReport });
          } finally {
            await sweep.close();
          }
          const result = await afterSweep(
            report,
            config.hosts.map((h) => h.name),
            { historyStore: store },
          );
          const scope = environments.length > 1 ? `${config.environment}: ` : '';
          io.stderr.write(`tunnelwatch: ${scope}${sweepSummary(report)}\n`);
          for (const p of result.problems) io.stderr.write(`tunnelwatch: ${scope}${p.message}\n`);
          last.set(config.environment, report);
          return report;
        }),
      );
      for (const report of reports) await hooks.onServeSweep?.(server.url, n, report);
      if (n === options.count) break;
      await sleep(Math.max(0, options.intervalSec * 1000 - (Date.now() - started)), io.signal);
    }
  } finally {
    await server.close();
  }
  return last.size > 0 ? exitCodeFor(worstState([...last.values()].map((r) => r.status))) : 0;
}

const EMPTY_SOURCE = { latest: async () => null, recent: async () => [] };

/** Resolves after `ms`, or at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
