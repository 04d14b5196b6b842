import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostPlan } from '../lab/address-plan.js';
import { clientTls, ensureCerts, serverTls } from '../lab/lab-certs.js';
import { batchStdout } from '../support/fleet/agent-outputs.js';
import { OP_ARITY } from '../support/fleet/simulated-agent.js';
import {
  type ExecAnswer,
  fakeAgent,
  type HostileDaemon,
  startHostileDaemon,
} from '../support/hostile-docker-daemon.js';
import { type SimulatedFleet, startSimulatedFleet } from '../support/simulated-docker-fleet.js';

// The transport in a monitor process of its own (test/support/transport-child.ts): what the process
// environment can (not) change, what DEBUG output shows, and how much memory a hostile host costs.

const dir = mkdtempSync(join(tmpdir(), 'h12a-process-'));
const child = join(import.meta.dirname, '../support/transport-child.ts');
const agentA = fakeAgent(1, '100.64.0.2');
const agentB = fakeAgent(2, '100.64.0.3');
const daemons: HostileDaemon[] = [];

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  json: { result: unknown; wallMs: number; maxRssMb: number } | null;
}

function runChild(
  mode: 'list' | 'sweep',
  config: object,
  env: Record<string, string> = {},
): Promise<ChildRun> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config));
  // A clean environment: only what node needs, plus what the test plants.
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', child, mode, path],
      { env: { ...base, ...env }, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        let json: ChildRun['json'] = null;
        try {
          json = JSON.parse(line) as ChildRun['json'];
        } catch {
          json = null;
        }
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, json });
      },
    );
  });
}

async function daemon(options: Parameters<typeof startHostileDaemon>[0]) {
  const d = await startHostileDaemon(options);
  daemons.push(d);
  return d;
}

afterAll(async () => {
  for (const d of daemons) await d.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the config alone decides where a host is reached', () => {
  it('ignores DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and friends in the environment', async () => {
    const configured = await daemon({ socketPath: join(dir, 'configured.sock'), containers: [agentA] });
    const intruder = await daemon({ containers: [agentB] });
    const run = await runChild(
      'list',
      { hosts: [{ name: 'node-a', docker: { endpoint: configured.endpoint } }] },
      {
        DOCKER_HOST: `tcp://127.0.0.1:${intruder.port}`,
        DOCKER_TLS_VERIFY: '',
        DOCKER_CERT_PATH: join(dir, 'no-such-cert-dir'),
        DOCKER_PATH_PREFIX: '/intruder/',
        DOCKER_CLIENT_TIMEOUT: '1',
      },
    );
    expect(run.json, run.stderr).not.toBeNull();
    expect(run.json!.result).toEqual([{ host: 'node-a', ok: true, ids: [agentA.id] }]);
    expect(configured.requests).toContain('GET /containers/json');
    expect(intruder.requests).toEqual([]);
  });

  it('does not let DOCKER_HOST turn a configured unix socket into plain HTTP to another daemon', async () => {
    const intruder = await daemon({ containers: [agentB] });
    const missing = join(dir, 'not-listening.sock');
    const run = await runChild(
      'list',
      { hosts: [{ name: 'node-a', docker: { endpoint: `unix://${missing}` } }] },
      { DOCKER_HOST: `tcp://127.0.0.1:${intruder.port}` },
    );
    expect(run.json!.result).toEqual([
      { host: 'node-a', ok: false, kind: 'unreachable', message: expect.stringContaining(missing) },
    ]);
    expect(intruder.requests).toEqual([]);
  });
});

describe('no key material in DEBUG output', () => {
  const certs = join(dir, 'certs');
  const loopback = { name: 'loopback', underlayIp: '127.0.0.1' } as HostPlan;

  beforeAll(async () => {
    await ensureCerts([loopback], certs);
  });

  it('with DEBUG=* a real TLS request prints no part of the private key', async () => {
    const server = serverTls(loopback, certs);
    const client = clientTls(certs);
    const tlsDaemon = await daemon({
      tls: {
        key: readFileSync(server.keyFile, 'utf8'),
        cert: readFileSync(server.certFile, 'utf8'),
        ca: readFileSync(server.caFile, 'utf8'),
      },
      containers: [agentA],
    });
    const run = await runChild(
      'list',
      { hosts: [{ name: 'node-a', docker: { endpoint: tlsDaemon.endpoint, tls: client } }] },
      { DEBUG: '*', DEBUG_DEPTH: '10' },
    );
    // The request really went through, over TLS with the client certificate.
    expect(run.json?.result, run.stderr).toEqual([{ host: 'node-a', ok: true, ids: [agentA.id] }]);
    const keyLines = readFileSync(client.keyFile, 'utf8')
      .split('\n')
      .filter((l) => l.length > 16 && !l.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) {
      expect(run.stderr).not.toContain(line);
      expect(run.stdout).not.toContain(line);
    }
    expect(run.stderr).not.toContain('PRIVATE KEY');
  });
});

describe('a sweep with a hostile host', () => {
  // The well-behaved hosts: two of the simulated fleet's daemons, whose agents answer every probe.
  let fleet: SimulatedFleet;
  beforeAll(async () => {
    fleet = await startSimulatedFleet({ hosts: 2 });
  });
  afterAll(async () => {
    await fleet.close();
  });
  const fleetHosts = () => (fleet.config() as { hosts: object[] }).hosts;

  it('ends within its deadline, that host unknown with the reason, the other measured, RSS bounded', async () => {
    const hostile = await daemon({
      socketPath: join(dir, 'hostile.sock'),
      containers: [agentA],
      misbehave: { list: 'endless-body' },
    });
    const deadlineMs = 8000;
    const run = await runChild('sweep', {
      ...fleet.config({ sweep: { deadlineMs } }),
      hosts: [{ name: 'hostile', docker: { endpoint: hostile.endpoint } }, ...fleetHosts()],
    });
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json!.result as {
      durationMs: number;
      hosts: { name: string; state: string; error?: string }[];
      paths: { from: string; to: string; probe: string; state: string }[];
    };
    const byName = new Map(report.hosts.map((h) => [h.name, h]));
    expect(byName.get('hostile')).toMatchObject({ state: 'unknown', error: expect.stringContaining('MiB') });
    expect(byName.get('h1')).toMatchObject({ state: 'up' });
    expect(byName.get('h2')).toMatchObject({ state: 'up' });
    // The healthy agents measured each other with every probe: overlay and underlay ping, IKE on
    // 500 and 4500, the SA (and whatever else the default probe set runs), all of it up.
    const between = report.paths.filter((p) => p.from !== 'hostile' && p.to !== 'hostile');
    expect(between.filter((p) => p.state !== 'up')).toEqual([]);
    const measured = new Set(between.map((p) => `${p.from}>${p.to} ${p.probe}`));
    for (const pair of ['h1>h2', 'h2>h1']) {
      for (const probe of ['overlay-icmp', 'underlay-icmp', 'ike-udp500', 'ike-udp4500', 'ipsec-sa']) {
        expect(measured).toContain(`${pair} ${probe}`);
      }
    }
    // Within the sweep's own deadline (plus assembly); the report says how long it took, and the
    // monitor process as a whole did not hang past it (its wall time includes loading the modules).
    expect(report.durationMs).toBeLessThanOrEqual(deadlineMs + 500);
    expect(run.json!.wallMs).toBeLessThan(deadlineMs + 15_000);
    expect(run.json!.maxRssMb).toBeLessThan(300);
  });

  it('an agent answering its batch with pathological output (200 KB swanctl nesting, reply soup) is its own unknown', async () => {
    // A batch answered in the batch's own format, every job's output crafted to make a
    // backtracking or recursive parser take minutes or blow its stack.
    const crafted = (argv: string[]): ExecAnswer => {
      const at = argv.indexOf('tunnelwatch-batch');
      if (at < 0) return { stdout: '', exitCode: 0 };
      const nonce = argv[at + 1]!;
      const jobs: { id: string; exitCode: number; output: string }[] = [];
      for (let i = at + 4; i < argv.length; ) {
        const id = argv[i]!;
        const op = argv[i + 1]!;
        // The IKE probe takes the rest of argv (its template, then four arguments per target).
        i = op === 'ike-probe' ? argv.length : i + 2 + (OP_ARITY[op] ?? 0);
        const output = op.startsWith('ipsec')
          ? `list-sa event {${'a {'.repeat(70_000)}\nlist-conn event {c {remote_addrs=[${'1'.repeat(100_000)}`
          : `${'64 bytes from 100.64.0.9: seq=1 ttl=64 time='.repeat(4000)}\n${'9'.repeat(50)} packets transmitted, 1 received`;
        jobs.push({ id, exitCode: 0, output });
      }
      return { stdout: batchStdout(nonce, jobs), exitCode: 0 };
    };
    const hostile = await daemon({
      socketPath: join(dir, 'crafted.sock'),
      containers: [agentA],
      exec: crafted,
    });
    const deadlineMs = 6000;
    const run = await runChild('sweep', {
      ...fleet.config({ sweep: { deadlineMs } }),
      hosts: [{ name: 'crafted', docker: { endpoint: hostile.endpoint } }, ...fleetHosts()],
    });
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json!.result as {
      durationMs: number;
      paths: { from: string; to: string; probe: string; state: string; error?: string }[];
    };
    const fromCrafted = report.paths.filter((p) => p.from === 'crafted');
    expect(fromCrafted.length).toBeGreaterThan(0);
    // Nothing it said reads as a measurement: its ping, MTU and SA paths are unknown with a reason.
    const batchPaths = fromCrafted.filter((p) => !p.probe.startsWith('ike'));
    expect(batchPaths.length).toBeGreaterThan(0);
    for (const p of batchPaths)
      expect(p, p.probe).toMatchObject({ state: 'unknown', error: expect.any(String) });
    const between = report.paths.filter((p) => p.from !== 'crafted' && p.to !== 'crafted');
    expect(between.length).toBeGreaterThan(0);
    expect(between.filter((p) => p.state !== 'up')).toEqual([]);
    expect(report.durationMs).toBeLessThanOrEqual(deadlineMs + 500);
    expect(run.json!.wallMs).toBeLessThan(deadlineMs + 15_000);
    expect(run.json!.maxRssMb).toBeLessThan(300);
  });

  it('with black-holed endpoints ends within its deadline, those hosts unknown, the others measured', async () => {
    const silentList = await daemon({
      socketPath: join(dir, 'silent-list.sock'),
      containers: [agentA],
      misbehave: { list: 'black-hole' },
    });
    const silentExec = await daemon({
      socketPath: join(dir, 'silent-exec.sock'),
      containers: [fakeAgent(4, '100.64.0.5')],
      misbehave: { 'exec-start': 'black-hole' },
    });
    const deadlineMs = 5000;
    const run = await runChild('sweep', {
      ...fleet.config({ sweep: { deadlineMs } }),
      hosts: [
        { name: 'silent-list', docker: { endpoint: silentList.endpoint } },
        { name: 'silent-exec', docker: { endpoint: silentExec.endpoint } },
        { name: 'nobody-home', docker: { endpoint: `unix://${join(dir, 'nobody-home.sock')}` } },
        ...fleetHosts(),
      ],
    });
    expect(run.json, run.stderr).not.toBeNull();
    const report = run.json!.result as {
      durationMs: number;
      hosts: { name: string; state: string; error?: string }[];
      paths: { from: string; to: string; probe: string; state: string }[];
    };
    const state = Object.fromEntries(report.hosts.map((h) => [h.name, h.state]));
    expect(state).toEqual({
      'silent-list': 'unknown',
      // Discovered fine; only its probes hang, so its paths are unknown.
      'silent-exec': 'up',
      'nobody-home': 'unknown',
      h1: 'up',
      h2: 'up',
    });
    expect(report.hosts.find((h) => h.name === 'silent-list')!.error).toContain('no answer within');
    const fromSilent = report.paths.filter((p) => p.from === 'silent-exec');
    expect(fromSilent.length).toBeGreaterThan(0);
    expect(fromSilent.every((p) => p.state === 'unknown')).toBe(true);
    const measured = report.paths.filter((p) => p.probe === 'overlay-icmp' && p.state === 'up');
    expect(measured.map((p) => `${p.from}>${p.to}`).sort()).toEqual(['h1>h2', 'h2>h1']);
    expect(report.durationMs).toBeLessThanOrEqual(deadlineMs + 500);
    expect(run.json!.wallMs).toBeLessThan(deadlineMs + 15_000);
  });
});
