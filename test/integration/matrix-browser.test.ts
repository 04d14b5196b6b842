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
import {
  bothWays,
  buildReport,
  historyBefore,
  hostName,
  labFaultReport,
} from '../support/sweep-report-builder.js';

const SCREENSHOT = 'test-results/matrix.png';
// Runs inside the page (evaluate); the project's tsconfig has no DOM library.
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; filter: string };
interface ScrollBox {
  scrollTop: number;
  scrollLeft: number;
  scrollHeight: number;
  scrollWidth: number;
}
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
    await page.locator('.row button[data-host="2"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#tw-details h2').textContent()).toBe('Host h3');
  });

  it('moves between cells with the arrow keys, stepping over the diagonal', async () => {
    await page.locator('button.cell.s-down').first().focus(); // h1 → h3
    await page.keyboard.press('ArrowDown'); // h2 → h3
    await page.keyboard.press('ArrowDown'); // h3 → h3 is the diagonal: h4 → h3
    await page.keyboard.press('ArrowLeft'); // h4 → h2
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#tw-details h2').textContent()).toBe('h4 → h2');
    // One tab stop for the whole grid: the cell the keyboard is on.
    expect(await page.locator('button.cell[tabindex="0"]').count()).toBe(1);
    expect(await page.locator('button.cell[tabindex="0"]').getAttribute('aria-label')).toMatch(
      /^h4 → h2: up, ok/,
    );
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

// 200 hosts: 39,800 cells, of which the page draws the ones in view. Host names as an operator
// numbers them; the pair in the far row is broken so its details are its own.
describe.skipIf(missing !== null)('matrix page of 200 hosts in headless Chromium', () => {
  const names = Array.from({ length: 200 }, (_, i) => `host-${i}`);
  let browser: HeadlessChromium;
  let server: MatrixServer;
  let page: Page;
  let latest: SweepReport;
  const problems: string[] = [];
  const cell = (from: number, to: number) => page.locator(`button.cell[data-cell="${from * 200 + to}"]`);
  /** Points across the part of the grid in view (right of and below the sticky headers) that hit no cell. */
  const holes = () =>
    page.evaluate(`(() => {
      const scroller = document.getElementById('tw-scroll');
      const box = scroller.getBoundingClientRect();
      const col = document.querySelector('.col').getBoundingClientRect();
      const row = document.querySelector('.row').getBoundingClientRect();
      const left = row.right + 4, top = col.bottom + 4;
      // clientWidth/Height: the part inside the border, without the scroll bars.
      const right = Math.min(box.left + scroller.clientLeft + scroller.clientWidth, innerWidth) - 6;
      const bottom = Math.min(box.top + scroller.clientTop + scroller.clientHeight, innerHeight) - 6;
      const missed = [];
      const drawn = (x, y) => {
        const hit = document.elementFromPoint(x, y);
        return hit !== null && hit.closest('button.cell, .self') !== null;
      };
      for (let i = 0; i <= 8; i++)
        for (let j = 0; j <= 8; j++) {
          const x = left + ((right - left) * i) / 8, y = top + ((bottom - top) * j) / 8;
          // A point may fall in the 2px gap between tracks; 3px back it cannot.
          if (!drawn(x, y) && !drawn(x - 3, y - 3)) missed.push([Math.round(x), Math.round(y)]);
        }
      return missed;
    })()`);

  beforeAll(async () => {
    latest = buildReport({
      hosts: names,
      startedAt: new Date(Date.now() - 10_000),
      faults: bothWays('host-199', 'host-0', 'udp-4500-blocked'),
    });
    const store = new MemoryReportHistoryStore();
    await store.save(latest);
    server = await startMatrixServer({ store });
    // A large screen: more tracks in view, so a position error that grows along the axis shows.
    browser = await launchChromium({ width: 1600, height: 1000 });
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    await page.goto(`${server.url}/api/matrix`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws only the cells in view, not all 39,800', async () => {
    await expect.poll(() => cell(0, 1).count()).toBe(1);
    const drawn = await page.locator('button.cell').count();
    expect(drawn).toBeGreaterThan(20);
    expect(drawn).toBeLessThan(2_000);
    expect(await page.locator('[data-host]').count()).toBe(400); // every header, for the keyboard
  });

  it('scrolled to the far corner, shows the right cells under headers that stay in view', async () => {
    const scroller = page.locator('#tw-scroll');
    await scroller.evaluate((el: ScrollBox) => {
      el.scrollTop = el.scrollHeight;
      el.scrollLeft = el.scrollWidth;
    });
    await expect.poll(() => cell(199, 198).count()).toBe(1);
    expect(await cell(199, 198).getAttribute('aria-label')).toMatch(/^host-199 → host-198: up, ok/);
    expect(await cell(198, 199).getAttribute('aria-label')).toMatch(/^host-198 → host-199: up, ok/);
    const box = (await scroller.boundingBox())!;
    const corner = (await cell(199, 198).boundingBox())!;
    expect(corner.x + corner.width).toBeLessThanOrEqual(box.x + box.width);
    expect(corner.y + corner.height).toBeLessThanOrEqual(box.y + box.height);
    // The sticky headers name the far row and column.
    const rowHead = (await page.locator('.row button[data-host="199"]').boundingBox())!;
    expect(rowHead.x).toBeLessThan(corner.x);
    expect(Math.abs(rowHead.y + rowHead.height / 2 - (corner.y + corner.height / 2))).toBeLessThan(4);
    const colHead = (await page.locator('.col button[data-host="198"]').boundingBox())!;
    expect(colHead.y).toBeGreaterThanOrEqual(box.y - 1);
    expect(colHead.y).toBeLessThan(corner.y);
    expect(await holes()).toEqual([]);
    // And in the middle of the matrix, at a scroll position between tracks.
    await scroller.evaluate((el: ScrollBox) => {
      el.scrollTop = Math.round(el.scrollHeight * 0.55) + 0.5;
      el.scrollLeft = Math.round(el.scrollWidth * 0.45) + 0.5;
    });
    await expect.poll(holes).toEqual([]);
    // The cells of the first rows are gone from the page.
    expect(await cell(0, 1).count()).toBe(0);
  });

  it('gives the details of host-199 → host-0 as the report has them', async () => {
    await page.locator('#tw-scroll').evaluate((el: ScrollBox) => {
      el.scrollTop = el.scrollHeight;
      el.scrollLeft = 0;
    });
    await expect.poll(() => cell(199, 0).count()).toBe(1);
    const broken = cell(199, 0);
    expect(await broken.getAttribute('class')).toBe('cell s-down');
    expect(await broken.textContent()).toContain('100%');
    await broken.click();
    const panel = page.locator('#tw-details');
    await expect.poll(() => panel.locator('h2').textContent()).toBe('host-199 → host-0');
    const verdict = latest.verdicts.find((v) => v.from === 'host-199' && v.to === 'host-0')!;
    expect(await panel.locator('.cause').textContent()).toBe(verdict.cause);
    expect(await panel.locator('.advice').textContent()).toBe(verdict.advice);
    expect(await panel.locator('ul.evidence li').allTextContents()).toEqual(verdict.evidence);
    const probes = latest.paths.filter((p) => p.from === 'host-199' && p.to === 'host-0');
    const rows = await panel.locator('table.probes tr').allTextContents();
    expect(rows).toHaveLength(probes.length + 1);
    const overlay = probes.find((p) => p.probe === 'overlay-icmp')!;
    expect(rows.find((r) => r.startsWith('overlay-icmp'))).toContain(`${overlay.received}/${overlay.sent}`);
    expect(problems).toEqual([]);
  });
});

describe.skipIf(missing !== null)('matrix page with hostile host names in headless Chromium', () => {
  const HOSTILE = ['<img src=x onerror=alert(1)>', '"><svg onload=alert(2)>'];
  const SCRIPT = '</script><script>alert(3)</script>\u2028';
  let browser: HeadlessChromium;
  let server: MatrixServer;

  beforeAll(async () => {
    const report = buildReport({
      hosts: ['h1', ...HOSTILE],
      startedAt: new Date(Date.now() - 10_000),
      faults: { [`h1>${HOSTILE[0]}` as const]: 'udp-4500-blocked' },
    });
    for (const v of report.verdicts) {
      v.advice = `${SCRIPT} ${HOSTILE[1]}`;
      v.evidence.push(SCRIPT);
    }
    server = await startMatrixServer({ getReport: async () => report });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows them as text in cells, titles and the panel, and runs nothing of theirs', async () => {
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(`${server.url}/api/matrix`);
    const cells = page.locator('button.cell');
    await expect.poll(() => cells.count()).toBe(6);
    for (let i = 0; i < 6; i++) await cells.nth(i).click();
    await page.locator('.row button[data-host="1"]').click();
    await cells.first().click(); // h1 → <img …>
    const panel = page.locator('#tw-details');
    expect(await panel.locator('h2').textContent()).toBe(`h1 → ${HOSTILE[0]}`);
    // The data island carried U+2028 escaped, and the panel shows it as the visible escape.
    expect(await panel.locator('.advice').textContent()).toBe(
      `</script><script>alert(3)</script>\\u2028 ${HOSTILE[1]}`,
    );
    expect(await panel.locator('ul.evidence li').last().textContent()).toBe(
      '</script><script>alert(3)</script>\\u2028',
    );
    expect(await cells.first().getAttribute('title')).toContain(`h1 → ${HOSTILE[0]}: down`);
    expect(await page.locator('img, svg, iframe').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(3);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
