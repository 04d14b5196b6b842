// Benchmark (figures only, no assertions): the matrix page of 50 and 200 hosts (12 sweeps of
// history) rendered in Node and loaded in headless Chromium from 127.0.0.1, next to issue 14's
// target (the 200-host page loads and shows its grid in < 2 s).
// Run: npx tsx test/bench/matrix-bench.ts [hosts,hosts,…] [loads]
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { MemoryReportHistoryStore } from '../../shared/history/memory-report-history-store.js';
import { renderMatrixPage } from '../../shared/report/html/matrix-page.js';
import { startMatrixServer } from '../../shared/serve/matrix-server.js';
import { chromiumMissingReason, launchChromium } from '../support/headless-chromium.js';
import { buildReport, historyBefore, largeMeshReport } from '../support/sweep-report-builder.js';

const sizes = (process.argv[2] ?? '50,200').split(',').map(Number);
const loads = Math.min(Math.max(Number(process.argv[3] ?? 5), 1), 20);
const HISTORY = 11;
const TARGET_MS = 2_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const vsTarget = (x: number) => `${ms(x).padStart(8)}  (${(x / TARGET_MS).toFixed(2)} of the 2 s target)`;
const kb = (bytes: number) => `${Math.round(bytes / 1024).toLocaleString('en')} KiB`;

// Runs in the page before its own script (injected by the browser driver, so the page's CSP does
// not apply): the first frame after the first cells are in the document is the grid's first paint.
const FIRST_GRID_PAINT = `(() => {
  const seen = new MutationObserver(() => {
    if (!document.querySelector('button.cell')) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__twGridPainted = performance.now(); }, 0));
  });
  seen.observe(document, { childList: true, subtree: true });
})()`;

const missing = chromiumMissingReason();
if (missing) console.log(`browser: skipped: ${missing}`);
const browser = missing ? null : await launchChromium({ width: 1600, height: 1000 });
try {
  for (const hosts of sizes) await bench(hosts);
} finally {
  await browser?.close();
}

async function bench(hosts: number): Promise<void> {
  const now = new Date();
  const latest = largeMeshReport(new Date(now.getTime() - 5_000), hosts);
  const history = historyBefore(latest, HISTORY, 60_000, (startedAt, i) =>
    buildReport({ hosts, startedAt, seed: i, faults: i % 2 ? { 'h8>h9': 'packet-loss' } : {} }),
  );

  const cpuTimes: number[] = [];
  const wallTimes: number[] = [];
  let html = '';
  for (let i = 0; i < loads; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    html = renderMatrixPage(latest, history, now);
    wallTimes.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpuTimes.push((cpu.user + cpu.system) / 1000);
  }
  const bytes = Buffer.byteLength(html);
  console.log(
    `\nmatrix page: ${hosts} hosts, ${latest.verdicts.length} paths, ${HISTORY + 1} sweeps of history`,
  );
  console.log(`  page size           ${kb(bytes)} (${kb(gzipSync(html).length)} gzipped)`);
  console.log(
    `  render in Node      CPU ${ms(median(cpuTimes))}, wall ${ms(median(wallTimes))} (median of ${loads})`,
  );
  if (!browser) return;

  const store = new MemoryReportHistoryStore();
  for (const r of [...history, latest]) await store.save(r);
  const server = await startMatrixServer({ store });
  try {
    const figures = { response: [] as number[], load: [] as number[], gridPaint: [] as number[], cells: 0 };
    for (let i = 0; i < loads; i++) {
      const page = await browser.context.newPage();
      await page.addInitScript(FIRST_GRID_PAINT);
      await page.goto(`${server.url}/api/matrix`, { waitUntil: 'load' });
      // Runs in the page; written as text because the project's tsconfig has no DOM library.
      const timing = (await page.evaluate(`new Promise((resolve) => {
        const nav = performance.getEntriesByType('navigation')[0];
        const wait = () => window.__twGridPainted === undefined ? setTimeout(wait, 10) : resolve({
          response: nav.responseEnd,
          load: nav.loadEventEnd,
          grid: window.__twGridPainted,
        });
        wait();
      })`)) as { response: number; load: number; grid: number };
      figures.response.push(timing.response);
      figures.load.push(timing.load);
      figures.gridPaint.push(timing.grid);
      if (i === 0) figures.cells = await page.locator('button.cell').count();
      await page.close();
    }
    console.log(`  in Chromium (1600×1000, median of ${loads} loads from 127.0.0.1, from navigation start):`);
    console.log(
      `    page received     ${ms(median(figures.response)).padStart(8)}  (the server's render and the transfer)`,
    );
    console.log(`    load event        ${vsTarget(median(figures.load))}`);
    console.log(`    first grid paint  ${vsTarget(median(figures.gridPaint))}`);
    console.log(`    cells in the DOM  ${figures.cells} of ${hosts * (hosts - 1)}`);
  } finally {
    await server.close();
  }
}
