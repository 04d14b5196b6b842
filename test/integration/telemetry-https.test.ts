import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../shared/telemetry/names.js';
import { type CaptureEndpoint, startCaptureEndpoint } from '../support/capture-endpoint.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The private-ingestion-endpoint case: real TLS, no test HTTP client, trust only through
// NODE_EXTRA_CA_CERTS, which Node reads at start-up, hence a child process.
const CHILD = `
import { guardLoopbackOnly } from ${JSON.stringify(join(ROOT, 'test/support/loopback-only-network.ts'))};
import { createTelemetrySink } from ${JSON.stringify(join(ROOT, 'shared/telemetry/telemetry-sink.ts'))};
import { buildReport } from ${JSON.stringify(join(ROOT, 'test/support/sweep-report-builder.ts'))};
guardLoopbackOnly();
const problems = [];
const sink = createTelemetrySink({ connectionString: process.env.TW_CONNECTION_STRING, offlineStorage: false, onError: (m) => problems.push(m) });
const records = sink.record(buildReport({ hosts: 2 }));
await sink.flush();
await sink.shutdown();
console.log(JSON.stringify({ records: records.length, problems }));
`;

let dir: string;
let endpoint: CaptureEndpoint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tw-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  endpoint = await startCaptureEndpoint({ cert: await readFile(cert), key: await readFile(key) });
});
afterAll(async () => {
  await endpoint?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function child(extraCa: string | undefined) {
  const env: NodeJS.ProcessEnv = { ...process.env, TW_CONNECTION_STRING: endpoint.connectionString };
  delete env.NODE_EXTRA_CA_CERTS;
  if (extraCa) env.NODE_EXTRA_CA_CERTS = extraCa;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: ROOT,
    env,
    timeout: 45_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { records: number; problems: string[] };
}

describe('export to an HTTPS ingestion endpoint with a private CA', () => {
  it('delivers every envelope when NODE_EXTRA_CA_CERTS names the CA, without auth header when no credential is set', async () => {
    endpoint.clear();
    const result = await child(join(dir, 'cert.pem'));
    expect(result.problems).toEqual([]);
    const envelopes = endpoint.envelopes();
    expect(envelopes).toHaveLength(result.records);
    expect(envelopes.some((e) => e.data.baseData.metrics?.[0]?.name === METRICS.heartbeat.name)).toBe(true);
    expect(endpoint.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('delivers nothing, and does not crash the caller, when the CA is not trusted', async () => {
    endpoint.clear();
    const result = await child(undefined);
    expect(result.records).toBeGreaterThan(0);
    expect(endpoint.envelopes()).toHaveLength(0);
  });
});
