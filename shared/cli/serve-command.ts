import type { HostName } from '../domain/host-name.js';
import type { SweepReport } from '../domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../history/memory-report-history-store.js';
import { afterSweep } from '../pipeline/after-sweep.js';
import { EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { startMatrixServer } from '../serve/matrix-server.js';
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
  const config = await loadCliConfig(options, io);
  if (!config) return EXIT_USAGE;
  // One assembly for every sweep, so its discovery cache carries over; Docker clients still live for
  // one sweep: an ssh host gets one connection per sweep, closed at its end.
  const sweep = assembleSweep(sweepOverrides(hooks));
  return serve(
    options,
    io,
    hooks,
    config.hosts.map((h) => h.name),
    async (previous) => {
      try {
        // Sampling peers: the pairs this sweep does not probe carry the last sweep's verdicts.
        const previousReport = config.sweep.sampling ? previous : null;
        return await runSweep(config, { ...sweep.deps, previousReport });
      } finally {
        await sweep.close();
      }
    },
  );
}

async function serve(
  options: CliOptions,
  io: CliIo,
  hooks: ServeCommandHooks,
  hosts: readonly HostName[],
  sweep: (previous: SweepReport | null) => Promise<SweepReport>,
): Promise<number> {
  const store = new MemoryReportHistoryStore(KEPT_REPORTS);
  let server: Awaited<ReturnType<typeof startMatrixServer>>;
  try {
    server = await startMatrixServer({
      store,
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
  let last: SweepReport | null = null;
  try {
    for (let n = 1; options.count === undefined || n <= options.count; n++) {
      if (io.signal?.aborted) break;
      const started = Date.now();
      const report = await sweep(last);
      const result = await afterSweep(report, hosts, { historyStore: store });
      last = report;
      io.stderr.write(`tunnelwatch: ${sweepSummary(report)}\n`);
      for (const p of result.problems) io.stderr.write(`tunnelwatch: ${p.message}\n`);
      await hooks.onServeSweep?.(server.url, n, report);
      if (n === options.count) break;
      await sleep(Math.max(0, options.intervalSec * 1000 - (Date.now() - started)), io.signal);
    }
  } finally {
    await server.close();
  }
  return last ? exitCodeFor(last.status) : 0;
}

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
