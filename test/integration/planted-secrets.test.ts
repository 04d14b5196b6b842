// One sweep with every kind of secret planted (a TLS private key, an ssh passphrase, a storage
// connection string, a bearer token) and every output scanned for them: stdout, stderr with every
// debug namespace on (DEBUG=*), the telemetry envelopes, the JSON report, the page, the history rows
// and the report blobs.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import debug from 'debug';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliExtensions, runCli } from '../../shared/cli/run-cli.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { openDockerClients } from '../../shared/transport/docker-clients.js';
import { type Azurite, startAzuriteBlob, startAzuriteTable } from '../support/azurite.js';
import { type CaptureEndpoint, plainHttpClient, startCaptureEndpoint } from '../support/capture-endpoint.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

// A real key and certificate (openssl, well under a second): with a fake PEM the TLS context fails
// before any request is built, and the code that could leak the key would never run.
let tlsKey = '';
let tlsCert = '';
/** Each base64 line of the key: a debug dump or an error could quote any one of them. */
const keyLines = () => tlsKey.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));
const SSH_PASSPHRASE = 'h12b-planted-ssh-passphrase';
const BEARER = 'h12b-planted-bearer-token';

let guard: ReturnType<typeof guardLoopbackOnly>;
let azurite: Azurite;
let blobAzurite: Azurite;
let endpoint: CaptureEndpoint;
let dir: string;
/** The Azurite account key: public for Azurite, but it stands for any storage account key here. */
let accountKey: string;

const outputs = {
  stdout: '',
  stderr: '',
  page: '',
  historyRows: '',
  reportBlobs: '',
  envelopes: '',
  debugLines: 0,
};
/** Which debug namespaces were on at the end of the sweeps, before the test switched DEBUG off. */
const debugOn = { modem: true, other: false };

beforeAll(async () => {
  guard = guardLoopbackOnly();
  [azurite, endpoint] = await Promise.all([startAzuriteTable(), startCaptureEndpoint()]);
  blobAzurite = await startAzuriteBlob();
  accountKey = /AccountKey=([^;]+)/.exec(azurite.connectionString)![1]!;
  dir = await mkdtemp(join(tmpdir(), 'h12b-secrets-'));
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=h12b',
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  tlsKey = await readFile(keyFile, 'utf8');
  tlsCert = await readFile(certFile, 'utf8');
  const configPath = join(dir, 'tunnelwatch.json');
  // h1, h2: loopback agents. h3: TLS with an inline key, h4: ssh with a passphrase, both on a closed
  // loopback port, through the real dockerode clients (that is where key material is handled).
  await writeFile(
    configPath,
    JSON.stringify({
      hosts: [
        { name: 'h1', docker: { endpoint: 'unix:///run/h12b-secrets-h1.sock' } },
        { name: 'h2', docker: { endpoint: 'unix:///run/h12b-secrets-h2.sock' } },
        {
          name: 'h3',
          docker: { endpoint: 'tcp://127.0.0.1:9', tls: { ca: tlsCert, cert: tlsCert, key: tlsKey } },
        },
        {
          name: 'h4',
          docker: {
            endpoint: 'ssh://tw@127.0.0.1:9',
            ssh: {
              privateKey: tlsKey,
              passphrase: SSH_PASSPHRASE,
            },
          },
        },
      ],
      probes: { pingCount: 1, ikeTimeoutMs: 50 },
      sweep: { deadlineMs: 3000 },
    }),
  );
  const real = openDockerClients();
  const loopback = loopbackFleet();
  const ext: CliExtensions = {
    execProbes: [overlayIcmpProbe, underlayIcmpProbe],
    agentProbes: [],
    credential: fixedTokenCredential(BEARER),
    telemetryHttpClient: plainHttpClient(),
    clientFor: (h) => (h.name === 'h1' || h.name === 'h2' ? loopback(h) : real.clientFor(h)),
  };

  // DEBUG=*: every `debug` namespace (docker-modem's among them) writes to process.stderr.
  debug.enable('*');
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    outputs.stderr += String(chunk);
    outputs.debugLines++;
    return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  const htmlPath = join(dir, 'matrix.html');
  try {
    for (let i = 0; i < 2; i++) {
      await runCli(
        [
          'sweep',
          '--json',
          '--config',
          configPath,
          '--alert-state',
          'env:TW_TABLES',
          '--history',
          'env:TW_TABLES',
          // The second sweep keeps its report as a blob (indexed in the table).
          ...(i === 1 ? ['--history-blob', 'env:TW_BLOBS'] : []),
          '--export',
          'env:TW_EXPORT',
          '--entra',
          '--html',
          htmlPath,
        ],
        {
          stdout: { write: (t: string) => (outputs.stdout += t) },
          stderr: { write: (t: string) => (outputs.stderr += t) },
          env: {
            TW_TABLES: azurite.connectionString,
            TW_BLOBS: blobAzurite.connectionString,
            TW_EXPORT: endpoint.connectionString,
          },
        },
        ext,
      );
    }
  } finally {
    process.stderr.write = write;
    debugOn.modem = debug.enabled('modem');
    debugOn.other = debug.enabled('some-other-library');
    debug.disable();
    await real.close();
  }
  outputs.page = await readFile(htmlPath, 'utf8');
  outputs.envelopes = JSON.stringify(endpoint.envelopes());
  // The stored rows as Table Storage holds them (every table the sweep wrote), not as a store decodes them.
  const service = (await import('@azure/data-tables')).TableServiceClient.fromConnectionString(
    azurite.connectionString,
    { allowInsecureConnection: true },
  );
  for await (const table of service.listTables()) {
    const client = TableClient.fromConnectionString(azurite.connectionString, table.name!, {
      allowInsecureConnection: true,
    });
    for await (const row of client.listEntities()) outputs.historyRows += `${JSON.stringify(row)}\n`;
  }
  // Every blob of every container, inflated: what a reader of the storage account sees.
  const blobService = BlobServiceClient.fromConnectionString(blobAzurite.connectionString);
  for await (const container of blobService.listContainers()) {
    const client = blobService.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) {
      const bytes = await client.getBlobClient(blob.name).downloadToBuffer();
      outputs.reportBlobs += `${(blob.name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')}\n`;
    }
  }
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  await azurite?.stop();
  await blobAzurite?.stop();
  guard?.restore();
});

describe('no planted secret reaches any output', () => {
  it('the run really produced every output (so the scans below can fail)', () => {
    // Two sweeps printed two reports; the first one parses and names every host.
    expect(JSON.parse(`${outputs.stdout.split('\n}\n')[0]!}\n}`).hosts).toHaveLength(4);
    expect(outputs.page).toContain('<html');
    expect(outputs.historyRows.length).toBeGreaterThan(0);
    expect(JSON.parse(outputs.reportBlobs).hosts).toHaveLength(4);
    expect(endpoint.envelopes().length).toBeGreaterThan(0);
    expect(keyLines().length).toBeGreaterThan(0);
    // The TLS and ssh hosts were really dialled with their key material (refused on the closed port),
    // so anything that dumps connection options had its chance to print it.
    const hosts = JSON.parse(`${outputs.stdout.split('\n}\n')[0]!}\n}`).hosts as {
      name: string;
      error?: string;
    }[];
    for (const name of ['h3', 'h4'])
      expect(hosts.find((h) => h.name === name)?.error).toMatch(/127\.0\.0\.1:9|refused|ECONNREFUSED/i);
    // The token did travel where it belongs: in the Authorization header, nowhere else.
    expect(endpoint.requests.some((r) => r.headers.authorization === `Bearer ${BEARER}`)).toBe(true);
  });

  const scans: [string, () => string][] = [
    ['stdout (the JSON report)', () => outputs.stdout],
    ['the page', () => outputs.page],
    ['the stored rows (alerts, history, report index)', () => outputs.historyRows],
    ['the report blobs', () => outputs.reportBlobs],
    ['the telemetry envelopes', () => outputs.envelopes],
  ];
  for (const [where, text] of scans) {
    it(`${where}: none of the TLS key, ssh passphrase, account key, bearer token`, () => {
      for (const secret of [...keyLines(), SSH_PASSPHRASE, accountKey, BEARER])
        expect(text()).not.toContain(secret);
    });
  }

  it('stderr with DEBUG=*: no ssh passphrase, account key or bearer token', () => {
    for (const secret of [SSH_PASSPHRASE, accountKey, BEARER]) expect(outputs.stderr).not.toContain(secret);
  });

  it('stderr with DEBUG=*: no line of the TLS private key', () => {
    // docker-modem's debug output dumps its request options, key and all: the transport switches
    // that one namespace off when it opens a client under DEBUG, and leaves every other one on.
    expect(debugOn).toEqual({ modem: false, other: true });
    for (const line of keyLines()) expect(outputs.stderr).not.toContain(line);
  });
});
