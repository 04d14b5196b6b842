// The matrix page in headless Chromium, served by `tunnelwatch serve`'s server on 127.0.0.1, from a
// report with one fault injected (UDP 4500 dropped between h1 and h3). The screenshot is kept as
// test-results/matrix.png.
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adviceFor } from '../../shared/diagnosis/advice.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { MemoryReportHistoryStore } from '../../shared/history/memory-report-history-store.js';
import { type MatrixServer, startMatrixServer } from '../../shared/serve/matrix-server.js';
import {
  chromiumMissingReason,
  type HeadlessChromium,
  launchChromium,
} from '../support/headless-chromium.js';
import { buildReport, historyBefore, hostName, labFaultReport } from '../support/sweep-report-builder.js';

const SCREENSHOT = 'test-results/matrix.png';
// Runs inside the page (evaluate); the project's tsconfig has no DOM library.
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; filter: string };
const missing = chromiumMissingReason();
if (missing) console.warn(`matrix-browser: skipped: ${missing}`);

/** The faulted sweep and the sweeps before it (healthy, with one flapping path). */
function faultedSweeps(): { latest: SweepReport; history: SweepReport[] } {
  const latest = labFaultReport(new Date(Date.now() - 15_000));
  const history = historyBefore(latest, 11, 60_000, (startedAt, i) =>
    buildReport({ hosts: 4, startedAt, seed: i, faults: i % 3 === 1 ? { 'h2>h4': 'packet-loss' } : {} }),
  );
  return { latest, history };
}

describe.skipIf(missing !== null)('matrix page in headless Chromium', () => {
  let browser: HeadlessChromium;
  let fresh: MatrixServer;
  let stale: MatrixServer;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    const store = new MemoryReportHistoryStore();
    const { latest, history } = faultedSweeps();
    for (const report of [...history, latest]) await store.save(report);
    fresh = await startMatrixServer({ store });
    const old = labFaultReport(new Date(Date.now() - 2 * 60 * 60_000));
    stale = await startMatrixServer({ getReport: async () => old });

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${fresh.url}/api/matrix`);
  }, 60_000); // Chromium's first start on a busy 2-core machine can take longer than the default 10 s

  afterAll(async () => {
    await browser?.close();
    await fresh?.close();
    await stale?.close();
  });

  it('shows the two broken paths red, with 100% loss and their cause in the cell', async () => {
    const broken = page.locator('button.cell.s-down');
    await expect.poll(() => broken.count()).toBe(2);
    for (const text of await broken.allTextContents()) {
      expect(text).toContain('100% loss');
      expect(text).toContain('udp-4500-blocked');
    }
    expect(await page.locator('button.cell.s-up').count()).toBe(10);
    const colour = await broken.first().evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(colour).toMatch(/^rgb\((2[0-4]\d|25[0-5]), \d{1,2}, \d{1,2}\)$/); // red
  });

  it('gives the cause and advice on hover', async () => {
    const healthy = page.locator('button.cell.s-up').first();
    expect(await healthy.getAttribute('title')).toBeNull();
    await healthy.hover();
    // Healthy cells get their title from the script on first hover.
    await expect.poll(() => healthy.getAttribute('title')).toMatch(/^h1 → h2: up, ok\nNo action needed\.$/);
    const broken = page.locator('button.cell.s-down').first();
    expect(await broken.getAttribute('title')).toBe(
      `h1 → h3: down, udp-4500-blocked\n${adviceFor('udp-4500-blocked', { from: hostName(1), to: hostName(3) })}`,
    );
  });

  it('opens the details panel with advice, evidence, probes and history on click', async () => {
    const broken = page.locator('button.cell.s-down').first();
    await broken.click();
    const panel = page.locator('#tw-details');
    await expect.poll(() => panel.locator('h2').textContent()).toBe('h1 → h3');
    const text = await panel.textContent();
    expect(text).toContain('udp-4500-blocked');
    expect(text).toContain(adviceFor('udp-4500-blocked', { from: hostName(1), to: hostName(3) }));
    expect(text).toContain('IKE UDP 4500 h1→h3: no answer (timeout)');
    expect(text).toContain('IKE timeout');
    expect(text).toContain('IKE SA ESTABLISHED, child SA INSTALLED');
    expect(await panel.locator('table.history tr').count()).toBe(13); // header + 12 sweeps
    expect(await broken.getAttribute('aria-pressed')).toBe('true');
    expect(await panel.getAttribute('aria-live')).toBe('polite');

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  it('works from the keyboard: Enter on a focused host header shows that host', async () => {
    await page.locator('th[scope="row"] button[data-host="2"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#tw-details h2').textContent()).toBe('Host h3');
  });

  it('fetches nothing but the page and raises no script or CSP error', () => {
    expect(requests).toEqual([`${fresh.url}/api/matrix`]);
    expect(problems).toEqual([]);
  });

  it('shows fresh data as fresh, and old data with a stale banner and greyed cells', async () => {
    expect(await page.locator('#tw-stale').isVisible()).toBe(false);
    expect(await page.locator('#tw-age').textContent()).toMatch(/^\d+ s ago$/);

    const old = await browser.context.newPage();
    await old.goto(`${stale.url}/api/matrix`);
    const banner = old.locator('#tw-stale');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toMatch(
      /^Stale data: the latest sweep is from (1 h 59|2 h \d) min ago, older than 3 min\./,
    );
    expect(await old.locator('body').getAttribute('class')).toBe('stale');
    const filter = await old
      .locator('button.cell')
      .first()
      .evaluate((el) => getComputedStyle(el).filter);
    expect(filter).toBe('grayscale(1)');
    await old.close();
  });
});
