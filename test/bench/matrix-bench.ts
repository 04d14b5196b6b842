// Benchmark (figures only, no assertions): a 50-host matrix page rendered in Node and loaded in
// headless Chromium from 127.0.0.1. Run: npx tsx test/bench/matrix-bench.ts [hosts] [loads]
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { MemoryReportHistoryStore } from '../../shared/history/memory-report-history-store.js';
import { renderMatrixPage } from '../../shared/report/html/matrix-page.js';
import { startMatrixServer } from '../../shared/serve/matrix-server.js';
import { chromiumMissingReason, launchChromium } from '../support/headless-chromium.js';
import { buildReport, historyBefore, largeMeshReport } from '../support/sweep-report-builder.js';

const hosts = Number(process.argv[2] ?? 50);
const loads = Math.min(Math.max(Number(process.argv[3] ?? 5), 1), 20);
const HISTORY = 11;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const now = new Date();
const latest = largeMeshReport(new Date(now.getTime() - 5_000), hosts);
const history = historyBefore(latest, HISTORY, 60_000, (startedAt, i) =>
  buildReport({ hosts: hosts, startedAt, seed: i, faults: i % 2 ? { 'h8>h9': 'packet-loss' } : {} }),
);

const renderTimes: number[] = [];
let html = '';
for (let i = 0; i < loads; i++) {
  const t0 = performance.now();
  html = renderMatrixPage(latest, history, now);
  renderTimes.push(performance.now() - t0);
}
const bytes = Buffer.byteLength(html);
console.log(`matrix page: ${hosts} hosts, ${latest.verdicts.length} paths, ${HISTORY + 1} sweeps of history`);
console.log(`  report JSON         ${Buffer.byteLength(JSON.stringify(latest))} bytes`);
console.log(`  page size           ${bytes} bytes (${gzipSync(html).length} gzipped)`);
console.log(`  render in Node      median ${ms(median(renderTimes))} of ${loads}`);

const missing = chromiumMissingReason();
if (missing) {
  console.log(`  browser: skipped: ${missing}`);
  process.exit(0);
}

const store = new MemoryReportHistoryStore();
for (const r of [...history, latest]) await store.save(r);
const server = await startMatrixServer({ store });
const browser = await launchChromium({ width: 1600, height: 1000 });
try {
  const figures: Record<string, number[]> = {
    domContentLoaded: [],
    load: [],
    firstContentfulPaint: [],
    tablePainted: [],
  };
  for (let i = 0; i < loads; i++) {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/api/matrix`, { waitUntil: 'load' });
    // Runs in the page; written as text because the project's tsconfig has no DOM library.
    const timing = (await page.evaluate(`new Promise((resolve) => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
      // The table is on screen by the first frame after load; rAF twice lands after that frame's paint.
      requestAnimationFrame(() => requestAnimationFrame(() => resolve({
        dcl: nav.domContentLoadedEventEnd - nav.startTime,
        load: nav.loadEventEnd - nav.startTime,
        fcp,
        table: performance.now() - nav.startTime,
      })));
    })`)) as { dcl: number; load: number; fcp: number; table: number };
    figures.domContentLoaded!.push(timing.dcl);
    figures.load!.push(timing.load);
    figures.firstContentfulPaint!.push(timing.fcp);
    figures.tablePainted!.push(timing.table);
    if (i === 0) console.log(`  cells in the DOM    ${await page.locator('button.cell').count()}`);
    await page.close();
  }
  console.log(`  in Chromium (median of ${loads} loads from 127.0.0.1, from navigation start):`);
  console.log(`    DOMContentLoaded  ${ms(median(figures.domContentLoaded!))}`);
  console.log(`    load event        ${ms(median(figures.load!))}`);
  console.log(`    first paint (FCP) ${ms(median(figures.firstContentfulPaint!))}`);
  console.log(`    table painted     ${ms(median(figures.tablePainted!))}  (two frames after load)`);
} finally {
  await browser.close();
  await server.close();
}
