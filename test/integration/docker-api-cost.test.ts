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
import { IKE_PROBE_IMAGE } from '../../shared/probes/ike/ike-probe-image.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-api-cost-'));
const HOSTS = ['h1', 'h2', 'h3'] as const;
// The figures docs/probes.md states ("**N in all** in a steady-state sweep (M on a cold one)"), so
// the doc and this count cannot drift apart.
const PROBES_DOC = readFileSync(new URL('../../docs/probes.md', import.meta.url), 'utf8');
const DOCUMENTED = Number(/\*\*(\d+) in all\*\*/.exec(PROBES_DOC)?.[1]);
const DOCUMENTED_COLD = Number(
  /\*\*\d+ in all\*\* in a steady-state sweep \((\d+) on a cold one\)/.exec(PROBES_DOC)?.[1],
);
// Discovery's share of both: one list when the cache knows the host; the list and two inspects when not.
const STEADY_DISCOVERY = ['GET /containers/json'];
const COLD_DISCOVERY = [
  'GET /containers/json',
  'GET /containers/{id}/json',
  'GET /containers/{rancher-agent}/json',
];

/**
 * A Docker daemon that holds one running Network Agent and the `rancher-agent` holding the host's
 * registration, and answers just enough, counting every request.
 */
function countingDaemon(n: number) {
  const requests: string[] = [];
  const attached: Socket[] = [];
  const agentId = `${n}`.repeat(64).slice(0, 64);
  const rancherAgentId = `r${n}`.repeat(32);
  const rancherAgentLabels = { 'io.rancher.container.system': 'rancher-agent' };
  const labels = {
    'io.rancher.container.system': 'NetworkAgent',
    'io.rancher.container.ip': `100.64.${n}.2/16`,
  };
  const route = (req: IncomingMessage) => {
    // dockerode may prefix a version (/v1.41/...); the query does not name the endpoint.
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/v\d+\.\d+/, '');
    const endpoint = `${req.method} ${path
      .replace(agentId, '{id}')
      .replace(rancherAgentId, '{rancher-agent}')
      .replace(/sidecar-[0-9a-f]+/, '{sidecar}')}`;
    requests.push(endpoint);
    return endpoint;
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const endpoint = route(req);
      if (endpoint === 'GET /containers/json')
        return json(res, 200, [
          { Id: agentId, Names: ['/agent'], Image: 'agent', State: 'running', Labels: labels },
          {
            Id: rancherAgentId,
            Names: ['/rancher-agent'],
            Image: 'rancher/agent',
            State: 'running',
            Labels: rancherAgentLabels,
          },
        ]);
      if (endpoint === 'GET /containers/{id}/json')
        return json(res, 200, {
          Id: agentId,
          Name: '/agent',
          State: { Running: true },
          Config: { Labels: labels, Env: [] },
          NetworkSettings: { Networks: {} },
        });
      if (endpoint === 'GET /containers/{rancher-agent}/json')
        return json(res, 200, {
          Id: rancherAgentId,
          Name: '/rancher-agent',
          State: { Running: true },
          Config: { Labels: rancherAgentLabels, Env: [`CATTLE_AGENT_IP=198.18.0.${10 + n}`] },
          NetworkSettings: { Networks: {} },
        });
      if (endpoint === 'POST /containers/{id}/exec') return json(res, 201, { Id: `exec${n}` });
      if (endpoint === `GET /exec/exec${n}/json`) return json(res, 200, { ExitCode: 0, Running: false });
      if (endpoint.startsWith('GET /images/')) return json(res, 200, { Id: 'sha256:probe' });
      if (endpoint === 'POST /containers/create') return json(res, 201, { Id: `side${n}` });
      if (endpoint === `POST /containers/side${n}/wait`) return json(res, 200, { StatusCode: 0 });
      if (endpoint === `POST /containers/side${n}/start`) {
        res.writeHead(204).end();
        for (const socket of attached.splice(0)) setTimeout(() => socket.end(), 20);
        return;
      }
      return json(res, 404, { message: `unexpected ${endpoint}` });
    });
  });
  // Hijacked streams (exec start, attach): upgrade, say nothing, close once the client is done writing.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const endpoint = route(req);
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    socket.resume();
    // The sidecar's output ends when it exits, i.e. after start; an exec's right away.
    if (endpoint.endsWith('/attach')) attached.push(socket);
    else socket.end();
    socket.on('error', () => {});
  });
  const socketPath = join(dir, `h${n}.sock`);
  return { server, socketPath, requests };
}

const daemons = HOSTS.map((_, i) => countingDaemon(i + 1));
let config: TunnelwatchConfig;

beforeAll(async () => {
  await Promise.all(daemons.map((d) => new Promise<void>((r) => d.server.listen(d.socketPath, r))));
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
  config = parsed.config;
});
afterAll(async () => {
  await Promise.all(daemons.map((d) => new Promise((r) => d.server.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

/** `sweeps` sweeps through one assembly (as serve and a warm Function do); counts the last one only. */
async function sweepThroughOneAssembly(
  sweeps: number,
  over: Partial<TunnelwatchConfig> = {},
): Promise<SweepReport> {
  // The product's own assembly: the count is what the CLI and the Function cost.
  const sweep = assembleSweep();
  let report: SweepReport | null = null;
  for (let i = 0; i < sweeps; i++) {
    for (const d of daemons) d.requests.length = 0;
    try {
      report = await runSweep({ ...config, ...over }, sweep.deps);
    } finally {
      await sweep.close();
    }
  }
  return report!;
}
const discoveryRequests = (requests: readonly string[]) =>
  requests
    .filter((r) => r === 'GET /containers/json' || /^GET \/containers\/\{[a-z-]+\}\/json$/.test(r))
    .sort();

describe('Docker API requests per agent per sweep (docs/probes.md)', () => {
  it('is 11 on a cold sweep for an agent (preset auto) with its overlay label and the probe image present (here with 2 peers)', async () => {
    const report = await sweepThroughOneAssembly(1);
    // Every agent was found and probed (the stand-ins return no probe output, so the paths are unknown).
    expect(report.hosts.map((h) => h.agent?.overlayIp)).toEqual(['100.64.1.2', '100.64.2.2', '100.64.3.2']);
    daemons.forEach((d, i) => {
      const n = i + 1;
      expect([...d.requests].sort()).toEqual(
        [
          // discovery: one unfiltered list (the 1.6 router, the 1.1 Network Agent and the
          // rancher-agent are picked from it); the agent and the rancher-agent inspected
          'GET /containers/json',
          'GET /containers/{id}/json',
          'GET /containers/{rancher-agent}/json',
          // the exec batch: every ping and the SA read in one exec
          'POST /containers/{id}/exec',
          `POST /exec/exec${n}/start`,
          `GET /exec/exec${n}/json`,
          // the IKE sidecar (the daemon removes it: AutoRemove)
          `GET /images/${IKE_PROBE_IMAGE}/json`,
          'POST /containers/create',
          `POST /containers/side${n}/attach`,
          `POST /containers/side${n}/wait`,
          `POST /containers/side${n}/start`,
        ].sort(),
      );
      expect(discoveryRequests(d.requests)).toEqual(COLD_DISCOVERY);
      expect(d.requests).toHaveLength(DOCUMENTED_COLD);
    });
  });

  it('is 9 in a steady-state sweep: the second sweep through the same assembly lists each host once and inspects nothing', async () => {
    const report = await sweepThroughOneAssembly(2);
    expect(report.hosts.map((h) => h.agent?.advertisedIp)).toEqual([
      '198.18.0.11',
      '198.18.0.12',
      '198.18.0.13',
    ]);
    for (const d of daemons) expect(discoveryRequests(d.requests)).toEqual(STEADY_DISCOVERY);
    expect(daemons.map((d) => d.requests.length)).toEqual([DOCUMENTED, DOCUMENTED, DOCUMENTED]);
    expect(DOCUMENTED).toBeLessThan(DOCUMENTED_COLD);
  });

  it('stays there: a third sweep costs the same, nothing leaks', async () => {
    await sweepThroughOneAssembly(3);
    expect(daemons.map((d) => d.requests.length)).toEqual([DOCUMENTED, DOCUMENTED, DOCUMENTED]);
  });

  it('does not grow with the mesh: an agent with one peer costs the same, cold and steady', async () => {
    await sweepThroughOneAssembly(1, { hosts: config.hosts.slice(0, 2) });
    expect(daemons.map((d) => d.requests.length)).toEqual([DOCUMENTED_COLD, DOCUMENTED_COLD, 0]);
    await sweepThroughOneAssembly(2, { hosts: config.hosts.slice(0, 2) });
    expect(daemons.map((d) => d.requests.length)).toEqual([DOCUMENTED, DOCUMENTED, 0]);
  });
});
