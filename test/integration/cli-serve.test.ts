// `tunnelwatch serve`: sweeps on an interval and serves the matrix page on 127.0.0.1, over HTTP.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliExtensions, runCli } from '../../shared/cli/run-cli.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { LocalShellClient, loopbackFleet } from '../support/local-shell-client.js';

const loopbackAgents: CliExtensions = {
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: [],
  clientFor: loopbackFleet(),
};

let configPath: string;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tw-cli-serve-'));
  configPath = join(dir, 'tunnelwatch.json');
  await writeFile(
    configPath,
    JSON.stringify({
      hosts: [1, 2].map((n) => ({
        name: `h${n}`,
        docker: { endpoint: `unix:///run/tw-cli-serve-h${n}.sock` },
      })),
      probes: { pingCount: 1, ikeTimeoutMs: 50 },
      sweep: { deadlineMs: 2500 },
    }),
  );
});

function io(signal?: AbortSignal) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
      env: {},
      ...(signal ? { signal } : {}),
    },
  };
}

describe('tunnelwatch serve', () => {
  it('serves each stored sweep on 127.0.0.1, with the history strip growing, and stops after --count', async () => {
    const seen: { sweep: number; page: string; report: SweepReport; served: SweepReport }[] = [];
    const { out, io: cliIo } = io();
    const code = await runCli(
      ['serve', '--config', configPath, '--port', '0', '--interval', '1', '--count', '2'],
      cliIo,
      {
        ...loopbackAgents,
        onServeSweep: async (url, sweep, report) => {
          const page = await (await fetch(`${url}/api/matrix`)).text();
          const served = (await (await fetch(`${url}/api/report`)).json()) as SweepReport;
          seen.push({ sweep, page, report, served });
        },
      },
    );
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/matrix\n$/);
    expect(
      out.stderr.match(/^tunnelwatch: sweep up: 2 hosts, 2 agents, 2\/2 pairs ok, \d+ ms$/gm),
    ).toHaveLength(2);
    expect(seen.map((s) => s.sweep)).toEqual([1, 2]);
    for (const s of seen) {
      expect(s.served.startedAt).toBe(s.report.startedAt);
      expect(s.page).toContain(s.report.startedAt);
    }
    // The second page carries the first sweep too (history strip).
    expect(seen[1]!.page).toContain(seen[0]!.report.startedAt);
    // The server is gone once the command returns.
    const url = out.stdout.trim();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('keeps one discovery cache across its sweeps: each agent inspected once, each host listed once per sweep', async () => {
    const agents = new Map(
      [1, 2].map((n) => [
        `h${n}`,
        new LocalShellClient({ id: `agent-h${n}`, labels: { 'io.rancher.container.ip': `127.0.0.${n}/8` } }),
      ]),
    );
    const { io: cliIo } = io();
    const code = await runCli(
      ['serve', '--config', configPath, '--port', '0', '--interval', '1', '--count', '2'],
      cliIo,
      { ...loopbackAgents, clientFor: (h) => agents.get(h.name)! },
    );
    expect(code).toBe(0);
    for (const agent of agents.values()) {
      expect([agent.listCalls, agent.inspectCalls]).toEqual([2, 1]);
      expect(agent.execCalls).toHaveLength(2);
    }
  });

  it('stops after the current sweep when its signal aborts', async () => {
    const stop = new AbortController();
    const { out, io: cliIo } = io(stop.signal);
    const code = await runCli(['serve', '--config', configPath, '--port', '0', '--interval', '3600'], cliIo, {
      ...loopbackAgents,
      onServeSweep: () => stop.abort(),
    });
    expect(code).toBe(0);
    expect(out.stderr.match(/sweep up/g)).toHaveLength(1);
  });

  it('refuses a port that is taken with exit code 64 and the fix', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { out, io: cliIo } = io();
      const code = await runCli(
        ['serve', '--config', configPath, '--port', String(port), '--count', '1'],
        cliIo,
        loopbackAgents,
      );
      expect(code).toBe(64);
      expect(out.stdout).toBe('');
      expect(out.stderr).toBe(
        `tunnelwatch: cannot serve on 127.0.0.1:${port} (EADDRINUSE); pick another --port\n`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
