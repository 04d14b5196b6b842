import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DISCOVER_HELP, MAIN_HELP, SERVE_HELP, SWEEP_HELP } from '../../../shared/cli/help-text.js';
import { COMMAND_FLAGS } from '../../../shared/cli/parse-cli-args.js';
import { type CliExtensions, runCli } from '../../../shared/cli/run-cli.js';
import { AGENT_CLEANUP_SCRIPT } from '../../../shared/probes/ike/ike-agent-copy.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { type DockerHostClient, TransportError } from '../../../shared/transport/docker-host-client.js';
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
// The fake agents run only ping: sweep with the ICMP probes alone.
const loopback: CliExtensions = {
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: [],
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
    [['serve', '--help'], SERVE_HELP],
  ])('%j prints its help on stdout and exits 0', async (argv, help) => {
    expect(await run(argv)).toEqual({ code: 0, stdout: help, stderr: '' });
  });

  it.each([
    ['sweep', SWEEP_HELP],
    ['discover', DISCOVER_HELP],
    ['serve', SERVE_HELP],
  ] as const)('%s --help names exactly the flags the parser accepts', (command, help) => {
    const accepted = Object.keys(COMMAND_FLAGS[command]).map((f) => `--${f}`);
    expect([...new Set(help.match(/--[a-z-]+/g))].sort()).toEqual(accepted.sort());
    // and every one of them parses
    for (const flag of accepted) expect(help).toMatch(new RegExp(`^\\s+(-h, )?${flag}\\b`, 'm'));
  });

  it('the main help lists every command', () => {
    for (const command of Object.keys(COMMAND_FLAGS))
      expect(MAIN_HELP).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each([
    [[]],
    [['frobnicate']],
    [['sweep', '--bogus']],
    [['sweep', 'extra']],
    [['discover', '--config']],
    [['discover', '--export', 'InstrumentationKey=x']],
    [['serve', '--json']],
    [['serve', '--port', '70000']],
    [['serve', '--port', 'http']],
    [['serve', '--interval', '0.5']],
    [['serve', '--count', '0']],
    [['sweep', '--entra']],
    [['sweep', '--html=']],
  ])('%j is a usage error: 64, message on stderr, nothing on stdout', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^tunnelwatch: .+\n\nUsage: tunnelwatch/);
  });

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
});

describe('tunnelwatch sweep outputs (--html, --export, --alert-state, --history)', () => {
  it('--html writes the self-contained matrix page of this sweep', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-cli-html-'));
    const out = join(dir, 'matrix.html');
    const r = await run(['sweep', '--json', '--html', out, '--config', await configFile(3)], {}, loopback);
    expect(r.code).toBe(3);
    const page = await readFile(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain(JSON.parse(r.stdout).startedAt);
    // No external fetches: nothing but inline resources.
    expect(page).not.toMatch(/(src|href)=["']https?:/);
  });

  it('an unwritable --html file is reported on stderr and makes the exit code 3, stdout still the report', async () => {
    const r = await run(
      ['sweep', '--json', '--html', '/nonexistent-dir/x.html', '--config', await configFile(2)],
      {},
      loopback,
    );
    expect(JSON.parse(r.stdout).status).toBe('up');
    expect(r.stderr).toContain('tunnelwatch: --html: cannot write /nonexistent-dir/x.html (ENOENT)');
    expect(r.code).toBe(3);
  });

  it.each([
    [
      ['--export', 'IngestionEndpoint=https://127.0.0.1:1/'],
      '--export: the Application Insights connection string has no InstrumentationKey',
    ],
    [
      ['--alert-state', 'DefaultEndpointsProtocol=https;AccountName=;AccountKey=c2VjcmV0LWtleS0x'],
      '--alert-state: the Table Storage connection string is not valid',
    ],
    [
      ['--history', 'Acount=x;AccountKy=c2VjcmV0LWtleS0x'],
      '--history is neither an https:// Table endpoint nor a storage connection string',
    ],
    [
      ['--history-blob', 'UseDevelopmentStorage=true'],
      '--history-blob only applies with --history (the report index stays in Table Storage)',
    ],
    [
      ['--history', 'UseDevelopmentStorage=true', '--history-blob', 'Acount=x;AccountKy=c2VjcmV0LWtleS0x'],
      '--history-blob is neither an https:// Blob endpoint nor a storage connection string',
    ],
    [
      ['--history', 'env:TW_TEST_UNSET_VARIABLE'],
      '--history env:TW_TEST_UNSET_VARIABLE: the environment variable TW_TEST_UNSET_VARIABLE is not set',
    ],
  ])('%j is refused before sweeping, naming the flag and never the key', async (flags, message) => {
    const r = await run(['sweep', ...flags, '--config', await configFile(2)], {}, loopback);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('c2VjcmV0');
  });

  it('reads a flag value from the environment with env:NAME, and refuses it there too without echoing', async () => {
    const r = await run(
      ['sweep', '--alert-state', 'env:TW_STATE', '--config', await configFile(2)],
      { TW_STATE: 'DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0LWtleS0y' },
      loopback,
    );
    expect(r.code).toBe(64);
    expect(r.stderr).toContain(
      '--alert-state is neither an https:// Table endpoint nor a storage connection string',
    );
    expect(r.stderr).not.toContain('c2VjcmV0');
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

describe('tunnelwatch cleanup', () => {
  it('removes the carriers, legacy sidecars and the agent’s IKE probe program on every host, and exits 3 naming a host it could not ask', async () => {
    const removed: string[] = [];
    const execs: string[] = [];
    const host = (name: string, containers: Record<string, string[]>): DockerHostClient =>
      ({
        async listContainers() {
          // The host's every container; only those with tunnelwatch's labels are its to remove.
          const summary = (id: string, labels: Record<string, string>) => ({
            id,
            names: [id],
            image: 'x',
            state: 'running',
            labels,
            dockerIps: [],
          });
          return [
            summary('agent', { 'io.rancher.container.system': 'NetworkAgent' }),
            ...Object.entries(containers).flatMap(([label, ids]) =>
              ids.map((id) => summary(id, { [label]: 'x' })),
            ),
          ];
        },
        async removeContainer(id: string) {
          removed.push(`${name}:${id}`);
        },
        async exec(id: string, argv: string[]) {
          execs.push(`${name}:${id}: ${JSON.stringify(argv)}`);
          return { exitCode: 0, stdout: '', stderr: '' };
        },
      }) as unknown as DockerHostClient;
    const clients: Record<string, DockerHostClient> = {
      h1: host('h1', { 'io.tunnelwatch.carrier': ['c1'], 'io.tunnelwatch.sidecar': ['s1'] }),
      h2: host('h2', {}),
      h3: {
        listContainers: async () => {
          throw new TransportError(
            'unreachable',
            'tcp://198.18.0.13:2376: Docker endpoint unreachable (ECONNREFUSED)',
          );
        },
      } as unknown as DockerHostClient,
    };
    const r = await run(
      ['cleanup', '--config', await configFile(3)],
      {},
      { clientFor: (h) => clients[h.name]! },
    );
    expect(removed.sort()).toEqual(['h1:c1', 'h1:s1']);
    // One constant script in each host's running agent: the program (any version's) and stale batch directories.
    expect(execs.sort()).toEqual(
      ['h1', 'h2'].map((h) => `${h}:agent: ${JSON.stringify(['sh', '-c', AGENT_CLEANUP_SCRIPT])}`),
    );
    expect(r.stdout.split('\n')).toEqual([
      'h1: removed 2 container(s); no IKE probe program left in the agent',
      'h2: removed 0 container(s); no IKE probe program left in the agent',
      'h3: not cleaned: tcp://198.18.0.13:2376: Docker endpoint unreachable (ECONNREFUSED)',
      '',
    ]);
    expect(r.code).toBe(3);
  });
});
