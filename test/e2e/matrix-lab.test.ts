// Issue 8 acceptance: the matrix page rendered from REAL lab sweeps (two healthy, then UDP 4500
// dropped between h1 and h3), served on 127.0.0.1 and driven in headless Chromium. The screenshot is
// kept as test-results/matrix-lab.png (docs/images/matrix.png is a copy of one).
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../../shared/history/memory-report-history-store.js';
import { type MatrixServer, startMatrixServer } from '../../shared/serve/matrix-server.js';
import { fault, heal } from '../lab/lab.js';
import {
  chromiumMissingReason,
  type HeadlessChromium,
  launchChromium,
} from '../support/headless-chromium.js';
import { labConfigWith, sweepLab } from './support/lab-sweep.js';

const skipReason = inject('labSkipReason') || chromiumMissingReason() || '';
const labConfigPath = inject('labConfigPath');
const SCREENSHOT = 'test-results/matrix-lab.png';

describe.skipIf(skipReason !== '')('the matrix page from real lab sweeps', () => {
  let server: MatrixServer;
  let browser: HeadlessChromium;
  let faulted: SweepReport;

  beforeAll(async () => {
    await heal({ waitForTunnelsMs: 120_000, reconnect: true });
    const config = await labConfigWith(labConfigPath);
    const store = new MemoryReportHistoryStore();
    for (let i = 0; i < 2; i++) await store.save((await sweepLab(config)).report);
    await fault('block-udp4500', ['h1', 'h3']);
    faulted = (await sweepLab(config)).report;
    await store.save(faulted);
    server = await startMatrixServer({ store });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await heal({ waitForTunnelsMs: 120_000, reconnect: true });
  });

  it('shows h1↔h3 broken with their cause and advice, every other path up', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/api/matrix`);
    const broken = page.locator('button.cell.s-down');
    await expect.poll(() => broken.count()).toBe(2);
    for (const text of await broken.allTextContents()) expect(text).toContain('udp-4500-blocked');
    expect(await page.locator('button.cell.s-up').count()).toBe(4);

    await broken.first().click();
    const panel = page.locator('#tw-details');
    await expect.poll(() => panel.locator('h2').textContent()).toMatch(/^h(1 → h3|3 → h1)$/);
    const advice = faulted.verdicts.find((v) => v.from === 'h1' && v.to === 'h3')!.advice;
    expect(await panel.textContent()).toContain(advice);
    // Three sweeps of history for the path: two up, then down.
    expect(await panel.locator('table.history tr').count()).toBe(4);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.close();
  });
});
