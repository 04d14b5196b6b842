// The HTTP Functions, called as the host would (HttpRequest/InvocationContext), over a report
// history in Azurite: the wiring from app settings to store to page.
import { TableClient } from '@azure/data-tables';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { matrixFunction, matrixHandler } from '../../functions/matrix.js';
import { reportFunction, reportHandler } from '../../functions/report.js';
import { APP_SETTINGS } from '../../shared/config/app-settings.js';
import type { EnvironmentName } from '../../shared/domain/environment-name.js';
import type { ReportHistoryStore } from '../../shared/history/report-history-store.js';
import { TableReportHistoryStore } from '../../shared/history/table-report-history-store.js';
import { historyStoreFromSettings } from '../../shared/pipeline/state-stores.js';
import { MATRIX_PAGE_CSP } from '../../shared/report/html/matrix-page.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { decodeCell, pageIslands } from '../support/matrix-page-data-decoder.js';
import { labFaultReport } from '../support/sweep-report-builder.js';

let azurite: Azurite;
const logged: string[] = [];

function context(functionName: string) {
  return new InvocationContext({
    functionName,
    invocationId: 'test',
    logHandler: (_level, ...args) => logged.push(args.join(' ')),
  });
}
const get = (path: string) => new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071/api/${path}` });

beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});
afterEach(() => {
  delete process.env[APP_SETTINGS.stateTableEndpoint];
  logged.length = 0;
});

describe('GET /api/matrix and /api/report as registered', () => {
  it('require a function key and answer GET on the routes matrix and report', () => {
    expect(matrixFunction).toMatchObject({ methods: ['GET'], authLevel: 'function', route: 'matrix' });
    expect(reportFunction).toMatchObject({ methods: ['GET'], authLevel: 'function', route: 'report' });
  });

  it('read the store named by the app setting and serve the page and the JSON of the newest sweep', async () => {
    // A table of its own, so the test does not depend on what other tests stored.
    process.env[APP_SETTINGS.stateTableEndpoint] = azurite.connectionString;
    const store = TableReportHistoryStore.fromTarget({ connectionString: azurite.connectionString });
    const older = labFaultReport(new Date(Date.now() - 120_000));
    const newest = labFaultReport(new Date(Date.now() - 60_000));
    await store.save(older);
    await store.save(newest);

    const page = await matrixFunction.handler(get('matrix'), context('matrix'));
    expect(page.status).toBe(200);
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `${MATRIX_PAGE_CSP}; frame-ancestors 'none'`,
      'cache-control': 'no-store',
    });
    expect(page.body).toContain('udp-4500-blocked');
    expect(page.body).toContain(
      `datetime="${new Date(Date.parse(newest.startedAt) + newest.durationMs).toISOString()}"`,
    );

    const json = await reportFunction.handler(get('report'), context('report'));
    expect(json.status).toBe(200);
    expect(json.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(json.body as string)).toEqual(newest);
  });
});

describe('matrix and report handlers over an Azurite store', () => {
  let counter = 0;
  const freshStore = (): ReportHistoryStore =>
    TableReportHistoryStore.fromTarget({
      connectionString: azurite.connectionString,
      tableName: `fn${++counter}`,
    });

  it('say 503 with a reason and a retry hint before the first sweep is stored', async () => {
    const store = freshStore();
    const page = await matrixHandler(() => store)(get('matrix'), context('matrix'));
    expect(page.status).toBe(503);
    expect(page.headers).toMatchObject({ 'retry-after': '60' });
    expect(page.body).toContain('No sweep report is stored yet');
    const json = await reportHandler(() => store)(get('report'), context('report'));
    expect(json.status).toBe(503);
    expect(JSON.parse(json.body as string)).toEqual({ error: expect.stringContaining('No sweep report') });
  });

  it('show the history strip from the stored sweeps and mark an old sweep stale', async () => {
    const store = freshStore();
    const now = Date.now();
    for (let i = 5; i >= 1; i--) await store.save(labFaultReport(new Date(now - i * 60 * 60_000)));
    const page = await matrixHandler(() => store)(get('matrix'), context('matrix'));
    expect(page.status).toBe(200);
    const body = page.body as string;
    expect(body).toMatch(/<div class="stale-banner" id="tw-stale" role="alert">Stale data/);
    // Five stored sweeps, all with h1>h3 down: a steady red strip of five sweeps, both ways.
    const { grid, detail } = pageIslands(body);
    for (const [from, to] of [
      [0, 2],
      [2, 0],
    ] as const)
      expect(decodeCell(grid, detail, from, to)!.history.map((h) => h.state)).toEqual(Array(5).fill('down'));
  });

  it('turn a store failure into 502 without the connection string, and log it', async () => {
    // Nothing listens on port 9: the store fails on read (no retries, to keep the test short).
    const unreachable = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    const broken = new TableReportHistoryStore(
      TableClient.fromConnectionString(unreachable, 'reports', {
        allowInsecureConnection: true,
        retryOptions: { maxRetries: 0 },
      }),
    );
    const page = await matrixHandler(() => broken)(get('matrix'), context('matrix'));
    expect(page.status).toBe(502);
    expect(page.body).toContain('Could not read the stored sweep report');
    expect(page.body).not.toContain('AccountKey');
    const json = await reportHandler(() => broken)(get('report'), context('report'));
    expect(json.status).toBe(502);
    expect(logged.some((line) => line.includes('reading the report history failed'))).toBe(true);
  });
});

describe('the HTTP Functions with several environments', () => {
  const environments = JSON.stringify({
    environments: ['prod', 'edge'].map((name) => ({
      name,
      hosts: [{ name: 'h1', docker: { endpoint: 'unix:///run/tw-http-envs-h1.sock' } }],
    })),
  });
  afterEach(() => {
    delete process.env[APP_SETTINGS.config];
  });

  it('show the page of ?environment=NAME, the first environment without it, and refuse a name that cannot be one', async () => {
    process.env[APP_SETTINGS.stateTableEndpoint] = azurite.connectionString;
    process.env[APP_SETTINGS.config] = environments;
    const prod = labFaultReport(new Date(Date.now() - 30_000));
    const credential = () => {
      throw new Error('a connection string needs no credential');
    };
    await historyStoreFromSettings(process.env, credential, 'prod' as EnvironmentName).save({
      ...prod,
      environment: 'prod' as EnvironmentName,
    });

    const first = await matrixFunction.handler(get('matrix'), context('matrix'));
    expect(first.status).toBe(200);
    expect(String(first.body)).toContain('<title>tunnelwatch · prod — path matrix</title>');
    const json = await reportFunction.handler(get('report?environment=prod'), context('report'));
    expect(JSON.parse(String(json.body)).environment).toBe('prod');
    // The other environment has swept nothing yet: its own 503, never prod's page.
    const edge = await matrixFunction.handler(get('matrix?environment=edge'), context('matrix'));
    expect(edge.status).toBe(503);
    const bad = await reportFunction.handler(get('report?environment=Prod%3B1'), context('report'));
    expect(bad.status).toBe(400);
    expect(String(bad.body)).not.toContain('Prod;1');
  });
});
