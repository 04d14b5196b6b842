// What one sweep costs each host's Docker daemon, counted request by request. The daemons are
// counting stand-ins on unix sockets (docs/probes.md states the count); the client, the probes and
// the sweep are the product's own (DockerodeHostClient, the default probe registry, runSweep).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load-config.js';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { IKE_PROBE_AGENT_PATH } from '../../shared/probes/ike/ike-agent-copy.js';
import { IKE_PROBE_IMAGE } from '../../shared/probes/ike/ike-probe-image.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import { tarEntryNames } from '../support/fleet/simulated-agent.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-api-cost-'));
const HOSTS = ['h1', 'h2', 'h3'] as const;
// The figure docs/probes.md states ("**N in all**"), so the doc and this count cannot drift apart.
// The figures docs/probes.md states ("**N in all** in a steady-state sweep (M on a cold one)"), so
// the doc and this count cannot drift apart.
const PROBES_DOC = readFileSync(new URL('../../docs/probes.md', import.meta.url), 'utf8');
const DOCUMENTED = Number(/\*\*(\d+) in all\*\*/.exec(PROBES_DOC)?.[1]);
const DOCUMENTED_COLD = Number(
  /\*\*\d+ in all\*\* in a steady-state sweep \((\d+) on a cold one\)/.exec(PROBES_DOC)?.[1],
);

/** One stdout frame of Docker's multiplexed stream (what exec start sends when there is no TTY). */
function stdoutFrame(text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = 1;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * A Docker daemon that holds one running Network Agent and answers just enough, counting every
 * request. It keeps what `PUT …/archive` put into the agent; the batch's IKE job reports the shell's
 * 127 when its program is not there. Otherwise an exec prints only the line that says it ran to its
 * end (the batch's `@@tw-NONCE done`, the probe program's `- end`), as a complete run would.
 * `recreateAgent` replaces the agent by a new container (a new id, an empty /tmp).
 */
function countingDaemon(n: number, options: { readOnlyAgent?: boolean } = {}) {
  const requests: string[] = [];
  let agentId = `${n}`.repeat(64).slice(0, 64);
  let generation = 0;
  let files = new Set<string>();
  const oldIds = new Set<string>();
  const carrierId = `c${n}`.repeat(32).slice(0, 64);
  const registrarId = `r${n}`.repeat(32).slice(0, 64);
  const registrarLabels = { 'io.rancher.container.system': 'rancher-agent' };
  let carrier: Record<string, string> | null = null;
  const execs = new Map<string, string[]>();
  const labels = {
    'io.rancher.container.system': 'NetworkAgent',
    'io.rancher.container.ip': `100.64.${n}.2/16`,
  };
  const route = (req: IncomingMessage) => {
    // dockerode may prefix a version (/v1.41/...); the query does not name the endpoint.
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/v\d+\.\d+/, '');
    const endpoint = `${req.method} ${path
      .replace(agentId, '{id}')
      .replace(/[0-9a-f]{64}/, (id) => (oldIds.has(id) ? '{old-id}' : id))
      .replace(carrierId, '{carrier}')
      .replace(registrarId, '{rancher-agent}')
      .replace(/\/exec\/[a-z]+\d+-\d+\//, '/exec/{exec}/')}`;
    requests.push(endpoint);
    return endpoint;
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  // Every container, unfiltered, as discovery asks for them: the carrier too once it is started.
  const listed = () => [
    { Id: agentId, Names: ['/agent'], Image: 'agent', State: 'running', Labels: labels },
    {
      Id: registrarId,
      Names: ['/rancher-agent'],
      Image: 'rancher/agent:v1.2.11',
      State: 'running',
      Labels: registrarLabels,
    },
    ...(carrier
      ? [{ Id: carrierId, Names: ['/carrier'], Image: 'probe', State: 'running', Labels: carrier }]
      : []),
  ];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('latin1');
    });
    req.on('end', () => {
      const endpoint = route(req);
      if (endpoint === 'GET /containers/json') return json(res, 200, listed());
      if (endpoint === 'GET /containers/{id}/json')
        return json(res, 200, {
          Id: agentId,
          Name: '/agent',
          State: { Running: true },
          Config: { Labels: labels, Env: [] },
          NetworkSettings: { Networks: {} },
        });
      // Rancher keeps the registered address on the rancher-agent container.
      if (endpoint === 'GET /containers/{rancher-agent}/json')
        return json(res, 200, {
          Id: registrarId,
          Name: '/rancher-agent',
          State: { Running: true },
          Config: { Labels: registrarLabels, Env: [`CATTLE_AGENT_IP=198.18.0.${10 + n}`] },
          NetworkSettings: { Networks: {} },
        });
      if (endpoint === 'POST /containers/{id}/exec' || endpoint === 'POST /containers/{carrier}/exec') {
        const id = `${endpoint.includes('carrier') ? 'ike' : 'batch'}${n}-${execs.size}`;
        execs.set(id, (JSON.parse(body) as { Cmd: string[] }).Cmd);
        return json(res, 201, { Id: id });
      }
      if (endpoint === 'GET /exec/{exec}/json') return json(res, 200, { ExitCode: 0, Running: false });
      if (endpoint.startsWith('GET /images/')) return json(res, 200, { Id: 'sha256:probe' });
      if (endpoint === 'POST /containers/create') {
        carrier = (JSON.parse(body) as { Labels: Record<string, string> }).Labels;
        return json(res, 201, { Id: carrierId });
      }
      if (endpoint === 'POST /containers/{carrier}/start') return void res.writeHead(204).end();
      if (endpoint === 'PUT /containers/{id}/archive') {
        if (options.readOnlyAgent) return json(res, 403, { message: 'container rootfs is marked read-only' });
        const dir = new URL(req.url ?? '', 'http://d').searchParams.get('path');
        for (const name of tarEntryNames(Buffer.from(body, 'latin1'))) files.add(`${dir}/${name}`);
        return void res.writeHead(200).end();
      }
      return json(res, 404, { message: `unexpected ${endpoint}` });
    });
  });
  // Hijacked exec start: upgrade, print the run's last line, close.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    route(req);
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    socket.resume();
    const id = /\/exec\/([a-z]+\d+-\d+)\/start/.exec(req.url ?? '')?.[1] ?? '';
    const argv = execs.get(id) ?? [];
    // The batch's argv: sh -c SCRIPT NAME NONCE …; the probe program's: /ike-probe WAIT …
    const nonce = argv[4];
    const ike = argv.indexOf('ike-probe');
    const ikeJob =
      argv[0] === 'sh' && ike > 0
        ? files.has(`/tmp/tunnelwatch-ike-probe-${argv[ike + 1]}`)
          ? `@@tw-${nonce} job ike 0\n- end\n\n@@tw-${nonce} end ike\n`
          : `@@tw-${nonce} job ike 127\nsh: not found\n\n@@tw-${nonce} end ike\n`
        : '';
    const last = argv[0] === 'sh' ? `@@tw-${nonce} done` : '- end';
    socket.end(stdoutFrame(`${ikeJob}${last}\n`));
    socket.on('error', () => {});
  });
  const socketPath = join(dir, `h${n}.sock`);
  const forgetCarrier = () => {
    carrier = null;
  };
  const recreateAgent = () => {
    generation++;
    oldIds.add(agentId);
    agentId = `${n}${'abcdef'[generation % 6]}`.repeat(32).slice(0, 64);
    files = new Set();
  };
  return { server, socketPath, requests, forgetCarrier, recreateAgent, files: () => files };
}

const daemons = HOSTS.map((_, i) => countingDaemon(i + 1));
// An agent with a read-only root filesystem (dockerd answers the copy with 403), for the fallback.
const readOnly = countingDaemon(4, { readOnlyAgent: true });
let config: TunnelwatchConfig;

beforeAll(async () => {
  await Promise.all(
    [...daemons, readOnly].map((d) => new Promise<void>((r) => d.server.listen(d.socketPath, r))),
  );
  const parsed = await parseConfig(
    {
      hosts: HOSTS.map((name, i) => ({
        name,
        underlayIp: `198.18.0.${11 + i}`,
        docker: { endpoint: `unix://${daemons[i]!.socketPath}` },
      })),
      probes: { ikeTimeoutMs: 100 },
      sweep: { deadlineMs: 8000 },
    },
    dir,
  );
  if (!parsed.ok) throw new Error('test config refused');
  config = parsed.config.environments[0]!;
});
afterAll(async () => {
  await Promise.all([...daemons, readOnly].map((d) => new Promise((r) => d.server.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

async function sweepOnce(over: Partial<TunnelwatchConfig> = {}): Promise<SweepReport> {
  for (const d of daemons) d.requests.length = 0;
  // The product's own assembly: the count is what the CLI and the Function cost.
  const sweep = assembleSweep();
  try {
    return await runSweep({ ...config, ...over }, sweep.deps);
  } finally {
    await sweep.close();
  }
}

describe('Docker API requests per agent per sweep (docs/probes.md)', () => {
  // Discovery: one unfiltered list (the 1.6 router, the 1.1 Network Agent and the rancher-agent are
  // picked from it); on a cold sweep the agent and the rancher-agent (CATTLE_AGENT_IP) inspected too.
  const STEADY_DISCOVERY = ['GET /containers/json'];
  const COLD_DISCOVERY = [
    ...STEADY_DISCOVERY,
    'GET /containers/{id}/json',
    'GET /containers/{rancher-agent}/json',
  ];
  // the exec batch: every ping, the SA read and the IKE probe in one exec, its exit code known from its last line
  const BATCH = ['POST /containers/{id}/exec', 'POST /exec/{exec}/start'];
  // the IKE probe program put into the agent, once per agent per process
  const COPY = ['PUT /containers/{id}/archive'];

  it('the first sweep puts the IKE probe program into each agent; a warm one costs the list and the batch: 3', async () => {
    for (const d of daemons) d.forgetCarrier();
    // The product's own assembly, kept across sweeps as `serve` and a warm Function instance keep it.
    const sweep = assembleSweep();
    try {
      for (const d of daemons) d.requests.length = 0;
      const report = await runSweep(config, sweep.deps);
      // Every agent was found and probed.
      expect(report.hosts.map((h) => h.agent?.overlayIp)).toEqual(['100.64.1.2', '100.64.2.2', '100.64.3.2']);
      for (const d of daemons) {
        expect([...d.requests].sort()).toEqual([...COLD_DISCOVERY, ...COPY, ...BATCH].sort());
        expect(d.requests).toHaveLength(DOCUMENTED_COLD);
        expect([...d.files()]).toEqual([IKE_PROBE_AGENT_PATH]);
      }
      // The program ran in the batch: its job came back (this daemon's program prints only its last
      // line, so each probe is "not reported" rather than lost with the batch or the program missing).
      const ike = report.paths.filter((p) => p.probe.startsWith('ike-'));
      expect(ike).toHaveLength(12);
      expect(new Set(ike.map((p) => p.error))).toEqual(
        new Set(['the IKE probe program did not report this probe']),
      );
      for (let i = 0; i < 2; i++) {
        for (const d of daemons) d.requests.length = 0;
        await runSweep(config, sweep.deps);
        for (const d of daemons) {
          expect([...d.requests].sort()).toEqual([...STEADY_DISCOVERY, ...BATCH].sort());
          expect(d.requests).toHaveLength(DOCUMENTED);
        }
      }
      expect(DOCUMENTED).toBeLessThanOrEqual(3);
    } finally {
      await sweep.close();
    }
  });

  it('a one-shot run (the CLI) is cold: it puts the program in once more (the same bytes) and starts no carrier', async () => {
    await sweepOnce();
    for (const d of daemons) {
      expect([...d.requests].sort()).toEqual([...COLD_DISCOVERY, ...COPY, ...BATCH].sort());
      expect(d.requests).toHaveLength(DOCUMENTED_COLD);
      expect(d.requests.filter((r) => r === 'POST /containers/create')).toEqual([]);
    }
  });

  it('a re-created agent (a new id, its /tmp empty) gets the program again, within the same sweep', async () => {
    const sweep = assembleSweep();
    try {
      await runSweep(config, sweep.deps);
      const d = daemons[0]!;
      d.recreateAgent();
      for (const x of daemons) x.requests.length = 0;
      const report = await runSweep(config, sweep.deps);
      // The old agent's exec answers 404; the host is listed again and the new agent probed, the
      // program put into it first and run there by itself (its batch had no place for it yet).
      expect(d.files().has(IKE_PROBE_AGENT_PATH)).toBe(true);
      expect(report.hosts[0]!.agent?.containerId).not.toBe('1'.repeat(64));
      expect([...d.requests].sort()).toEqual(
        [
          ...STEADY_DISCOVERY,
          'POST /containers/{old-id}/exec', // 404: the agent is gone
          'GET /containers/{id}/json', // the new agent, inspected once
          ...COPY,
          ...BATCH,
          ...BATCH, // the program run by itself in the new agent
        ].sort(),
      );
      // From then on it rides in the batch again: 3.
      for (const x of daemons) x.requests.length = 0;
      await runSweep(config, sweep.deps);
      expect([...d.requests].sort()).toEqual([...STEADY_DISCOVERY, ...BATCH].sort());
    } finally {
      await sweep.close();
    }
  });

  it('an agent that refuses the program gets a carrier: its IKE exec beside the batch, 5 in a warm sweep', async () => {
    const parsed = await parseConfig(
      {
        hosts: [
          { name: 'h1', underlayIp: '198.18.0.11', docker: { endpoint: `unix://${daemons[0]!.socketPath}` } },
          { name: 'h4', underlayIp: '198.18.0.14', docker: { endpoint: `unix://${readOnly.socketPath}` } },
        ],
        probes: { ikeTimeoutMs: 100 },
        sweep: { deadlineMs: 8000 },
      },
      dir,
    );
    if (!parsed.ok) throw new Error('test config refused');
    const hosts = parsed.config.environments[0]!.hosts;
    const sweep = assembleSweep();
    try {
      readOnly.requests.length = 0;
      await runSweep({ ...config, hosts }, sweep.deps);
      expect([...readOnly.requests].sort()).toEqual(
        [
          ...COLD_DISCOVERY,
          ...COPY,
          ...BATCH,
          // the carrier: looked for in the host's list, its image checked, created and started
          'GET /containers/json',
          `GET /images/${IKE_PROBE_IMAGE}/json`,
          'POST /containers/create',
          'POST /containers/{carrier}/start',
          'POST /containers/{carrier}/exec',
          'POST /exec/{exec}/start',
        ].sort(),
      );
      readOnly.requests.length = 0;
      await runSweep({ ...config, hosts }, sweep.deps);
      expect([...readOnly.requests].sort()).toEqual(
        [...STEADY_DISCOVERY, ...BATCH, 'POST /containers/{carrier}/exec', 'POST /exec/{exec}/start'].sort(),
      );
    } finally {
      await sweep.close();
    }
  });

  it('does not grow with the mesh: an agent with one peer costs the same', async () => {
    await sweepOnce();
    const full = daemons.map((d) => d.requests.length);
    await sweepOnce({ hosts: config.hosts.slice(0, 2) });
    expect(daemons.map((d) => d.requests.length)).toEqual([full[0], full[1], 0]);
  });
});
