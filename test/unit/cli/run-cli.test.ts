import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCOVER_HELP, MAIN_HELP, SWEEP_HELP } from '../../../shared/cli/help-text.js';
import { type CliExtensions, runCli } from '../../../shared/cli/run-cli.js';
import type { DockerHostClient } from '../../../shared/transport/docker-host-client.js';
import { LocalShellClient, SilentClient } from '../../support/local-shell-client.js';
import { reportContract } from '../../support/report-contract.js';

async function run(argv: string[], env: Record<string, string> = {}, ext: CliExtensions = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env },
    ext,
  );
  return { code, stdout, stderr };
}

async function configFile(hosts: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tw-cli-'));
  const path = join(dir, 'tunnelwatch.json');
  const list = Array.from({ length: hosts }, (_, i) => ({
    name: `h${i + 1}`,
    docker: { endpoint: `unix:///run/tw-cli-test-h${i + 1}.sock` },
  }));
  await writeFile(
    path,
    JSON.stringify({ hosts: list, probes: { pingCount: 1 }, sweep: { deadlineMs: 4000 } }),
  );
  return path;
}

// Loopback agents: h1 → 127.0.0.1, h2 → 127.0.0.2; any other host's endpoint is silent.
const loopback: CliExtensions = {
  clientFor: (h): DockerHostClient => {
    const n = Number(h.name.slice(1));
    return n <= 2
      ? new LocalShellClient({ id: `agent${n}`, labels: { 'io.rancher.container.ip': `127.0.0.${n}/8` } })
      : new SilentClient();
  },
};

describe('tunnelwatch help and usage', () => {
  it.each([
    [['--help'], MAIN_HELP],
    [['sweep', '--help'], SWEEP_HELP],
    [['sweep', '-h'], SWEEP_HELP],
    [['discover', '--help'], DISCOVER_HELP],
  ])('%j prints its help on stdout and exits 0', async (argv, help) => {
    expect(await run(argv)).toEqual({ code: 0, stdout: help, stderr: '' });
  });

  it('help names exactly the flags the parser accepts', () => {
    for (const help of [SWEEP_HELP, DISCOVER_HELP]) {
      expect([...new Set(help.match(/--[a-z-]+/g))].sort()).toEqual(['--config', '--help', '--json']);
    }
  });

  it.each([[[]], [['frobnicate']], [['sweep', '--bogus']], [['sweep', 'extra']], [['discover', '--config']]])(
    '%j is a usage error: 64, message on stderr, nothing on stdout',
    async (argv) => {
      const r = await run(argv);
      expect(r.code).toBe(64);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^tunnelwatch: .+\n\nUsage: tunnelwatch/);
    },
  );

  it('a config error is 64 with the field named on stderr', async () => {
    const r = await run(['sweep'], {
      TUNNELWATCH_CONFIG: '{"hosts":[{"name":"a","docker":{"endpoint":"tcp://198.18.0.11:2375"}}]}',
    });
    expect(r).toMatchObject({ code: 64, stdout: '' });
    expect(r.stderr).toContain('hosts[0].docker.endpoint: tcp endpoints need "tls"');
  });
});

describe('tunnelwatch sweep', () => {
  it('--json prints one document matching the contract; a silent host is unknown and the exit code 3', async () => {
    const r = await run(['sweep', '--json', '--config', await configFile(3)], {}, loopback);
    const report = reportContract.parse(JSON.parse(r.stdout));
    expect(report.hosts.map((h) => h.state)).toEqual(['up', 'up', 'unknown']);
    expect(
      report.paths.filter((p) => p.probe === 'overlay-icmp').map((p) => `${p.from}>${p.to}:${p.state}`),
    ).toEqual(['h1>h2:up', 'h2>h1:up']);
    expect(report.status).toBe('unknown');
    expect(r.code).toBe(3);
  });

  it('prints the text matrix without --json and exits 0 when every pair is up', async () => {
    const r = await run(['sweep'], { TUNNELWATCH_CONFIG: await configFile(2) }, loopback);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^tunnelwatch sweep at .*: UP/);
    expect(r.stdout).toContain('h1 -> h2  up  ok');
  });

  it('hands the report to afterSweep before printing (the hook for --export / --alert-state / --html)', async () => {
    const seen: string[] = [];
    const r = await run(
      ['sweep', '--json', '--config', await configFile(2)],
      {},
      { ...loopback, afterSweep: async (rep) => void seen.push(rep.status) },
    );
    expect(seen).toEqual(['up']);
    expect(r.code).toBe(0);
  });
});

describe('tunnelwatch discover', () => {
  it('lists hosts with agents and overlay IPs, and exits 3 when a host could not be asked', async () => {
    const r = await run(['discover', '--config', await configFile(3)], {}, loopback);
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')[0]).toMatch(/^HOST\s+STATE\s+AGENT\s+OVERLAY IP/);
    expect(r.stdout).toMatch(/h1\s+up\s+agent1\s+127\.0\.0\.1 \(label\)/);
    expect(r.stdout).toMatch(/h3\s+unknown/);
    const json = await run(['discover', '--json', '--config', await configFile(2)], {}, loopback);
    expect(
      JSON.parse(json.stdout).hosts.map((h: { agent: { overlayIp: string } }) => h.agent.overlayIp),
    ).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(json.code).toBe(0);
  });
});
