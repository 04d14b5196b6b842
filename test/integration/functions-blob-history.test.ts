// The timer Function with TUNNELWATCH_REPORT_BLOB_ENDPOINT set, called as the host would (Timer +
// InvocationContext): each sweep's report goes to one blob in real Azurite Blob, its index row to
// real Azurite Table, and the matrix Function reads them back through the same settings.
import { HttpRequest, InvocationContext, type Timer } from '@azure/functions';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matrixHandler } from '../../functions/matrix.js';
import { sweepTimerHandler } from '../../functions/sweep-timer.js';
import { APP_SETTINGS } from '../../shared/config/app-settings.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import {
  BlobReportHistoryStore,
  DEFAULT_REPORT_CONTAINER,
  DEFAULT_REPORT_INDEX_TABLE,
} from '../../shared/history/blob-report-history-store.js';
import { DEFAULT_REPORT_TABLE } from '../../shared/history/table-report-history-store.js';
import { historyStoreFromSettings } from '../../shared/pipeline/state-stores.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { tableClient } from '../../shared/storage/table-storage.js';
import { type Azurite, startAzuriteBlob, startAzuriteTable } from '../support/azurite.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

const fixedToken = fixedTokenCredential('test-token-not-a-secret');
const ACCOUNT_KEY_PART = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq';

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

// h1, h2: agents that ping over loopback; h3: a Docker endpoint that never answers.
const CONFIG = JSON.stringify({
  hosts: [1, 2, 3].map((n) => ({ name: `h${n}`, docker: { endpoint: `unix:///run/tw-fn-blob-h${n}.sock` } })),
  probes: { pingCount: 1, ikeTimeoutMs: 50 },
  sweep: { deadlineMs: 2500 },
});

let guard: ReturnType<typeof guardLoopbackOnly>;
let tableAzurite: Azurite;
let blobAzurite: Azurite;
let env: Record<string, string>;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  tableAzurite = await startAzuriteTable();
  blobAzurite = await startAzuriteBlob();
  env = {
    [APP_SETTINGS.config]: CONFIG,
    [APP_SETTINGS.stateTableEndpoint]: tableAzurite.connectionString,
    [APP_SETTINGS.reportBlobEndpoint]: blobAzurite.connectionString,
  };
}, 60_000);

afterAll(async () => {
  await tableAzurite?.stop();
  await blobAzurite?.stop();
  guard?.restore();
});

async function invoke(): Promise<{ report: SweepReport; logs: string[] }> {
  const logs: string[] = [];
  const context = new InvocationContext({
    functionName: 'sweep',
    invocationId: `blob-${Date.now()}`,
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
  });
  const outcome = await sweepTimerHandler(timer, context, {
    env,
    telemetry: null,
    credential: fixedToken,
    execProbes: [overlayIcmpProbe, underlayIcmpProbe],
    agentProbes: [],
    clientFor: loopbackFleet(['h3']),
  });
  return { report: outcome.reports[0]!, logs };
}

describe('timer Function with the report blob setting: bodies in Blob Storage, index in the state table', () => {
  let first: Awaited<ReturnType<typeof invoke>>;
  let second: Awaited<ReturnType<typeof invoke>>;

  beforeAll(async () => {
    first = await invoke();
    second = await invoke();
  }, 60_000);

  it('runs both sweeps without a failed step, and logs no account key', () => {
    for (const run of [first, second]) {
      expect(run.logs).toEqual([expect.stringMatching(/^information sweep unknown: 3 hosts, 2 agents/)]);
      expect(run.logs.join('\n')).not.toContain(ACCOUNT_KEY_PART);
    }
  });

  it('writes one blob per sweep in the default scope and one index row each; no report row in the old table', async () => {
    const container = BlobServiceClient.fromConnectionString(blobAzurite.connectionString).getContainerClient(
      DEFAULT_REPORT_CONTAINER,
    );
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    const nameOf = (r: SweepReport) => `default/${r.startedAt.replace(/[-:]/g, '')}.json.gz`;
    expect(names.sort()).toEqual([nameOf(first.report), nameOf(second.report)]);

    const target = { connectionString: tableAzurite.connectionString };
    const rows: Record<string, unknown>[] = [];
    for await (const row of tableClient(target, DEFAULT_REPORT_INDEX_TABLE, 'test').listEntities())
      rows.push(row);
    expect(rows.map((r) => [r.partitionKey, r.startedAt, r.hostCount])).toEqual([
      ['default', second.report.startedAt, 3],
      ['default', first.report.startedAt, 3],
    ]);
    const oldTable = tableClient(target, DEFAULT_REPORT_TABLE, 'test').listEntities();
    await expect(oldTable.next()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reads both reports back through the same settings, and the matrix Function serves the newest', async () => {
    const store = historyStoreFromSettings(env, () => fixedToken);
    expect(store).toBeInstanceOf(BlobReportHistoryStore);
    const recent = await store.recent();
    expect(recent.map((r) => r.startedAt)).toEqual([second.report.startedAt, first.report.startedAt]);
    expect(recent[0]).toEqual(JSON.parse(JSON.stringify(second.report)));

    const context = new InvocationContext({ functionName: 'matrix', invocationId: 'blob-matrix' });
    const page = await matrixHandler(() => store)(
      new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/matrix' }),
      context,
    );
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('docker-unreachable');
  });

  it('sent nothing anywhere but loopback', () => {
    expect(guard.blocked).toEqual([]);
  });
});
