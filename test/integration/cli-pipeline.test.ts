// `tunnelwatch sweep --export / --alert-state / --history [--history-blob] / --html` in process, against real Azurite
// and the real Azure Monitor exporter posting to a local ingestion endpoint.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableAlertStore } from '../../shared/alerts/table-alert-store.js';
import { type CliExtensions, runCli } from '../../shared/cli/run-cli.js';
import { BlobReportHistoryStore } from '../../shared/history/blob-report-history-store.js';
import { TableReportHistoryStore } from '../../shared/history/table-report-history-store.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { EVENT_ATTRIBUTES, EVENTS, METRICS } from '../../shared/telemetry/names.js';
import { type Azurite, startAzuriteBlob, startAzuriteTable } from '../support/azurite.js';
import { type CaptureEndpoint, plainHttpClient, startCaptureEndpoint } from '../support/capture-endpoint.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { LocalShellClient, loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

const TOKEN = 'test-token-not-a-secret';
const fixedToken = fixedTokenCredential(TOKEN);

// h1, h2 ping over loopback; h3's Docker endpoint never answers.
const ext: CliExtensions = {
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: [],
  credential: fixedToken,
  telemetryHttpClient: plainHttpClient(),
  clientFor: loopbackFleet(['h3']),
};

let guard: ReturnType<typeof guardLoopbackOnly>;
let azurite: Azurite;
let endpoint: CaptureEndpoint;
let dir: string;
let configPath: string;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  [azurite, endpoint] = await Promise.all([startAzuriteTable(), startCaptureEndpoint()]);
  dir = await mkdtemp(join(tmpdir(), 'tw-cli-pipeline-'));
  configPath = join(dir, 'tunnelwatch.json');
  await writeFile(
    configPath,
    JSON.stringify({
      hosts: [1, 2, 3].map((n) => ({
        name: `h${n}`,
        docker: { endpoint: `unix:///run/tw-cli-pipeline-h${n}.sock` },
      })),
      probes: { pingCount: 1, ikeTimeoutMs: 50 },
      sweep: { deadlineMs: 2500 },
    }),
  );
});

afterAll(async () => {
  await endpoint?.close();
  await azurite?.stop();
  guard?.restore();
});

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      // The key stays out of argv: the flags say env:NAME.
      env: { TW_TABLES: azurite.connectionString, TW_EXPORT: endpoint.connectionString, ...env },
    },
    ext,
  );
  return { code, stdout, stderr };
}

describe('tunnelwatch sweep runs the same pipeline as the Function', () => {
  let first: Awaited<ReturnType<typeof run>>;
  let second: Awaited<ReturnType<typeof run>>;
  let htmlPath: string;

  beforeAll(async () => {
    htmlPath = join(dir, 'matrix.html');
    const tables = ['--alert-state', 'env:TW_TABLES', '--history', 'env:TW_TABLES'];
    first = await run(['sweep', '--json', '--config', configPath, ...tables]);
    second = await run([
      'sweep',
      '--json',
      '--config',
      configPath,
      ...tables,
      '--export',
      'env:TW_EXPORT',
      '--entra',
      '--html',
      htmlPath,
    ]);
  });

  it('prints only the report on stdout and exits with the sweep status (3: h3 unknown)', () => {
    for (const r of [first, second]) {
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).hosts.map((h: { state: string }) => h.state)).toEqual([
        'up',
        'up',
        'unknown',
      ]);
      // Only progress (the sweep waits out h3's deadline): no telemetry or store complaints.
      for (const line of r.stderr.split('\n').filter(Boolean))
        expect(line).toMatch(
          /^tunnelwatch: (sweep running…|\d+ of \d+ hosts have an agent|probed from|diagnosed)/,
        );
    }
  });

  it('--alert-state opens the alerts on the second failing sweep, in Table Storage', async () => {
    const rows = await TableAlertStore.create({ connectionString: azurite.connectionString }).list();
    expect(
      rows.map((r) => `${r.state.pair.a}~${r.state.pair.b} ${r.state.status} ${r.state.cause}`).sort(),
    ).toEqual(['h1~h3 open docker-unreachable', 'h2~h3 open docker-unreachable']);
  });

  it('--history saves each report where the Function reads it', async () => {
    const stored = await TableReportHistoryStore.fromTarget({
      connectionString: azurite.connectionString,
    }).recent();
    expect(stored.map((r) => r.startedAt)).toEqual([
      JSON.parse(second.stdout).startedAt,
      JSON.parse(first.stdout).startedAt,
    ]);
  });

  it('--html writes the page with both stored sweeps in its history', async () => {
    const page = await readFile(htmlPath, 'utf8');
    expect(page).toContain(JSON.parse(second.stdout).startedAt);
    expect(page).toContain(JSON.parse(first.stdout).startedAt);
  });

  it('--export --entra sends the envelopes with a bearer token, including the opened alerts', () => {
    const all = endpoint.envelopes();
    for (const request of endpoint.requests) expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const heartbeats = all.filter((e) => e.data.baseData.metrics?.[0]?.name === METRICS.heartbeat.name);
    expect(heartbeats).toHaveLength(1);
    const opened = all
      .filter((e) => e.data.baseType === 'EventData' && e.data.baseData.name === EVENTS.alert)
      .map(
        (e) =>
          `${e.data.baseData.properties?.[EVENT_ATTRIBUTES.alertAction]} ${e.data.baseData.properties?.[EVENT_ATTRIBUTES.source]}~${e.data.baseData.properties?.[EVENT_ATTRIBUTES.destination]}`,
      )
      .sort();
    expect(opened).toEqual(['opened h1~h3', 'opened h2~h3']);
  });

  it('a Table Storage failure is reported on stderr without the key, and the exit code is 3', async () => {
    // A closed port on loopback: the connection is refused at once.
    const dead = azurite.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    let stderr = '';
    let stdout = '';
    const code = await runCli(
      ['sweep', '--json', '--config', configPath, '--alert-state', 'env:TW_DEAD'],
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        env: { TW_DEAD: dead },
      },
      {
        ...ext,
        clientFor: (h) =>
          new LocalShellClient({
            id: `agent-${h.name}`,
            labels: { 'io.rancher.container.ip': '127.0.0.1/8' },
          }),
      },
    );
    expect(JSON.parse(stdout).status).toBe('up');
    expect(code).toBe(3);
    // Progress lines may come first when the machine is busy.
    expect(stderr).toMatch(/^tunnelwatch: --alert-state: applying the alert state failed: /m);
    const accountKey = /AccountKey=([^;]+)/.exec(dead)![1]!;
    expect(stderr).not.toContain(accountKey);
  }, 60_000);
});

describe('tunnelwatch sweep --history --history-blob: report bodies in Blob Storage', () => {
  let blobs: Azurite;
  let runs: Awaited<ReturnType<typeof run>>[];
  let htmlPath: string;

  beforeAll(async () => {
    blobs = await startAzuriteBlob();
    htmlPath = join(dir, 'matrix-blob.html');
    const flags = ['--history', 'env:TW_TABLES', '--history-blob', 'env:TW_BLOBS'];
    const env = { TW_BLOBS: blobs.connectionString };
    runs = [
      await run(['sweep', '--json', '--config', configPath, ...flags], env),
      await run(['sweep', '--json', '--config', configPath, ...flags, '--html', htmlPath], env),
    ];
  }, 60_000);
  afterAll(async () => {
    await blobs?.stop();
  });

  it('saves each report as a blob indexed in the table, where the Function reads it with both settings', async () => {
    for (const r of runs) expect(r.code).toBe(3);
    const store = BlobReportHistoryStore.fromTargets(
      { connectionString: azurite.connectionString },
      { connectionString: blobs.connectionString },
    );
    const stored = await store.recent();
    expect(stored.map((r) => r.startedAt)).toEqual(runs.map((r) => JSON.parse(r.stdout).startedAt).reverse());
    const page = await readFile(htmlPath, 'utf8');
    for (const r of runs) expect(page).toContain(JSON.parse(r.stdout).startedAt);
  });

  it('a Blob Storage failure is reported on stderr under --history without the key, and the exit code is 3', async () => {
    const dead = blobs.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    const r = await run(
      [
        'sweep',
        '--json',
        '--config',
        configPath,
        '--history',
        'env:TW_TABLES',
        '--history-blob',
        'env:TW_DEAD',
      ],
      { TW_DEAD: dead },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^tunnelwatch: --history: saving the report failed: /m);
    expect(r.stderr).not.toContain(/AccountKey=([^;]+)/.exec(dead)![1]!);
  }, 60_000);
});
