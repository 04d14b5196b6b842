// A Docker endpoint whose SYNs are dropped (a real loopback listener that never accepts, its accept
// queue full) next to a simulated fleet on unix sockets: the black-holed host fails fast at the
// connect timeout, as docker-unreachable with that reason, and costs the other hosts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load-config.js';
import { Secret } from '../../shared/config/secret.js';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import { DockerodeHostClient } from '../../shared/transport/dockerode-host-client.js';
import { type BlackHoleEndpoint, startBlackHoleEndpoint } from '../support/black-hole-endpoint.js';
import { type SimulatedFleet, startSimulatedFleet } from '../support/simulated-docker-fleet.js';

const CONNECT_TIMEOUT_MS = 1000;
// Discovery's budget is a third of this (10 s): a sweep that waited for it would say "no answer within".
const DEADLINE_MS = 30_000;
// Real key material (a fake PEM fails before any connection is tried, and could not leak anyway).
const keyDir = mkdtempSync(join(tmpdir(), 'tw-black-hole-'));
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
    join(keyDir, 'key.pem'),
    '-out',
    join(keyDir, 'cert.pem'),
    '-subj',
    '/CN=black-hole',
    '-days',
    '1',
  ],
  { stdio: 'ignore' },
);
const TLS_KEY = readFileSync(join(keyDir, 'key.pem'), 'utf8');
const TLS_CERT = readFileSync(join(keyDir, 'cert.pem'), 'utf8');
const SSH_KEY = utils.generateKeyPairSync('ed25519').private;
/** Each base64 line of a key: an error could quote any one of them. */
const keyLines = (pem: string) => pem.split('\n').filter((l) => l.length > 16 && !l.startsWith('-----'));

let hole: BlackHoleEndpoint;
let fleet: SimulatedFleet;
let config: TunnelwatchConfig;

beforeAll(async () => {
  hole = await startBlackHoleEndpoint();
  fleet = await startSimulatedFleet({ hosts: 3 });
  const fleetConfig = fleet.config({
    sweep: { deadlineMs: DEADLINE_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
  }) as {
    hosts: object[];
  };
  const parsed = await parseConfig(
    {
      ...fleetConfig,
      hosts: [
        ...fleetConfig.hosts,
        {
          name: 'bh',
          underlayIp: '198.18.0.99',
          docker: { endpoint: `tcp://127.0.0.1:${hole.port}`, insecure: true },
        },
      ],
    },
    fleet.dir,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  config = parsed.config.environments[0]!;
});
afterAll(async () => {
  await fleet?.close();
  await hole?.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const expectBlackHoleReport = (report: SweepReport) => {
  const bh = report.hosts.find((h) => h.name === 'bh')!;
  expect(bh).toMatchObject({ state: 'unknown', agent: null, findings: [{ code: 'docker-unreachable' }] });
  expect(bh.error).toContain(`tcp://127.0.0.1:${hole.port}: connect timeout`);
  // Not the discovery deadline's reason: the sweep did not wait for it.
  expect(bh.error).not.toContain('no answer within');
  for (const v of report.verdicts.filter((v) => v.from === 'bh' || v.to === 'bh'))
    expect([v.state, v.cause]).toEqual(['unknown', 'docker-unreachable']);
  // The other hosts are measured: every overlay path among them answers.
  const among = report.paths.filter((p) => p.probe === 'overlay-icmp' && p.from !== 'bh' && p.to !== 'bh');
  expect(among.map((p) => `${p.from}>${p.to}:${p.state}`)).toEqual([
    'h1>h2:up',
    'h1>h3:up',
    'h2>h1:up',
    'h2>h3:up',
    'h3>h1:up',
    'h3>h2:up',
  ]);
  expect(report.verdicts.filter((v) => v.from !== 'bh' && v.to !== 'bh').map((v) => v.cause)).toEqual(
    Array(6).fill('ok'),
  );
};

describe('a black-holed Docker endpoint (SYNs dropped)', () => {
  it('fails a plain tcp call at the connect timeout, as unreachable, long before the call deadline', async () => {
    const client = new DockerodeHostClient({
      scheme: 'tcp',
      host: '127.0.0.1',
      port: hole.port,
      tls: null,
      connectTimeoutMs: 300,
    });
    try {
      const error = (await client.listContainers({ deadlineMs: 20_000 }).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ name: 'TransportError', kind: 'unreachable' });
      expect(error.message).toBe(
        `tcp://127.0.0.1:${hole.port}: connect timeout: no TCP connection within 300 ms (sweep.connectTimeoutMs)`,
      );
    } finally {
      await client.close();
    }
  });

  it('fails a TLS call the same way, with no key material in the reason', async () => {
    const client = new DockerodeHostClient({
      scheme: 'tcp',
      host: '127.0.0.1',
      port: hole.port,
      tls: { ca: TLS_CERT, cert: TLS_CERT, key: new Secret(TLS_KEY) },
      connectTimeoutMs: 300,
    });
    try {
      const error = (await client.listContainers({ deadlineMs: 20_000 }).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ name: 'TransportError', kind: 'unreachable' });
      expect(error.message).toContain('connect timeout');
      expect(error.message).not.toContain('PRIVATE KEY');
      for (const line of keyLines(TLS_KEY)) expect(error.message).not.toContain(line);
    } finally {
      await client.close();
    }
  });

  it('fails an ssh session’s connect at the connect timeout', async () => {
    const client = new DockerodeHostClient({
      scheme: 'ssh',
      host: '127.0.0.1',
      port: hole.port,
      username: 'core',
      privateKey: new Secret(SSH_KEY),
      passphrase: null,
      hostKeys: { knownHosts: null, sha256: [] },
      connectTimeoutMs: 300,
    });
    try {
      const error = (await client.listContainers({ deadlineMs: 20_000 }).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ name: 'TransportError', kind: 'unreachable' });
      expect(error.message).toContain(`ssh://127.0.0.1:${hole.port}: connect timeout`);
      for (const line of keyLines(SSH_KEY)) expect(error.message).not.toContain(line);
    } finally {
      await client.close();
    }
  });

  it('cold and warm sweeps: that host docker-unreachable (connect timeout), the others measured; warm, they probe before its revalidation ends', async () => {
    // One assembly for both sweeps, as serve and a warm Function instance have.
    const sweep = assembleSweep();
    const events: string[] = [];
    const run = async () => {
      events.length = 0;
      try {
        return await runSweep(config, {
          ...sweep.deps,
          onProgress: (e) => {
            if (e.phase === 'discovered') events.push(`discovered from ${e.from}`);
            if (e.phase === 'host-discovered') events.push(`host-discovered ${e.host}`);
            if (e.phase === 'agent-probed') events.push(`agent-probed ${e.host}`);
          },
        });
      } finally {
        await sweep.close();
      }
    };
    const cold = await run();
    expectBlackHoleReport(cold);
    expect(events.at(-4)).toBe('discovered from docker');

    const warm = await run();
    expectBlackHoleReport(warm);
    expect(events[0]).toBe('discovered from cache');
    const blackHoleSettled = events.indexOf('host-discovered bh');
    for (const h of ['h1', 'h2', 'h3'])
      expect(events.indexOf(`agent-probed ${h}`)).toBeLessThan(blackHoleSettled);
  });
});
