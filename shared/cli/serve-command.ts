import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { SweepReport } from '../domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../history/memory-report-history-store.js';
import { afterSweep } from '../pipeline/after-sweep.js';
import { EXIT_USAGE, exitCodeFor } from '../report/exit-code.js';
import { startMatrixServer } from '../serve/matrix-server.js';
import { sweepSummary } from '../sweep/sweep-summary.js';
import type { CliOptions } from './parse-cli-args.js';
import type { CliExtensions, CliIo } from './run-cli.js';

// Enough for a day of history strips at a 1-minute interval would be 1440; the page shows 12.
const KEPT_REPORTS = 60;

/**
 * `tunnelwatch serve`: sweep every `intervalSec` (start to start), keep the reports in memory and
 * serve the matrix page on 127.0.0.1 until `count` sweeps are done or the signal aborts.
 */
export async function runServe(
  options: CliOptions,
  config: TunnelwatchConfig,
  sweep: () => Promise<SweepReport>,
  io: CliIo,
  ext: CliExtensions,
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
  ext.onServing?.(server.url);
  const hosts = config.hosts.map((h) => h.name);
  let last: SweepReport | null = null;
  try {
    for (let n = 1; options.count === undefined || n <= options.count; n++) {
      if (io.signal?.aborted) break;
      const started = Date.now();
      const report = await sweep();
      const result = await afterSweep(report, hosts, { historyStore: store });
      last = report;
      io.stderr.write(`tunnelwatch: ${sweepSummary(report)}\n`);
      for (const p of result.problems) io.stderr.write(`tunnelwatch: ${p.message}\n`);
      await ext.onServeSweep?.(server.url, n, report);
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
