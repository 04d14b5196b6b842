// Two environments in one config through the real CLI: swept at once, each its own report, exit
// code, history partition and page; --environment picks one. Agents ping over loopback.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliExtensions, runCli } from '../../shared/cli/run-cli.js';
import type { EnvironmentName } from '../../shared/domain/environment-name.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { historyStoreFrom } from '../../shared/pipeline/table-stores.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { EXIT_USAGE } from '../../shared/report/exit-code.js';
import { type Azurite, startAzuriteTable } from '../support/azurite.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

const ext: CliExtensions = {
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: [],
  // h3's Docker endpoint never answers; h1 and h2 ping over loopback.
  clientFor: loopbackFleet(['h3']),
};
const host = (n: number) => ({ name: `h${n}`, docker: { endpoint: `unix:///run/tw-envs-h${n}.sock` } });
const settings = { probes: { pingCount: 1, ikeTimeoutMs: 50 }, sweep: { deadlineMs: 2500 } };

let guard: ReturnType<typeof guardLoopbackOnly>;
let azurite: Azurite;
let dir: string;
let configPath: string;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  azurite = await startAzuriteTable();
  dir = await mkdtemp(join(tmpdir(), 'tw-envs-'));
  configPath = join(dir, 'tunnelwatch.json');
  await writeFile(
    configPath,
    JSON.stringify({
      environments: [
        { name: 'prod', hosts: [host(1), host(2)], ...settings },
        // h1 again: the same name in another environment.
        { name: 'edge', hosts: [host(1), host(3)], ...settings },
      ],
    }),
  );
});

afterAll(async () => {
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
  guard?.restore();
});

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    [...argv, '--config', configPath],
    {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env: { TW_TABLES: azurite.connectionString },
    },
    { ...ext, credential: fixedTokenCredential('not-a-secret') },
  );
  return { code, stdout, stderr };
}

describe('a config with several environments', () => {
  it('sweeps every environment, prints an array of reports and exits with the worst status', async () => {
    const htmlPath = join(dir, 'matrix.html');
    const r = await run(['sweep', '--json', '--history', 'env:TW_TABLES', '--html', htmlPath]);
    const reports = JSON.parse(r.stdout) as SweepReport[];
    expect(reports.map((x) => [x.environment, x.hosts.map((h) => h.name), x.status])).toEqual([
      ['prod', ['h1', 'h2'], 'up'],
      ['edge', ['h1', 'h3'], 'unknown'],
    ]);
    expect(r.code).toBe(3);
    // One page per environment, each about its own hosts.
    const prodPage = await readFile(join(dir, 'matrix-prod.html'), 'utf8');
    const edgePage = await readFile(join(dir, 'matrix-edge.html'), 'utf8');
    // Host names appear as the text of header cells.
    expect(prodPage).toContain('>h2<');
    expect(prodPage).not.toContain('>h3<');
    expect(edgePage).toContain('>h3<');
    expect(edgePage).not.toContain('>h2<');
    // Each page names its environment.
    expect(prodPage).toContain('<title>tunnelwatch · prod — path matrix</title>');
    expect(edgePage).toContain('<title>tunnelwatch · edge — path matrix</title>');

    // Each environment's history in a partition of its own: neither sees the other's reports.
    const history = (environment: string) =>
      historyStoreFrom(
        azurite.connectionString,
        () => fixedTokenCredential('x'),
        'test',
        environment as EnvironmentName,
      );
    expect((await history('prod').latest())?.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
    expect((await history('edge').latest())?.hosts.map((h) => h.name)).toEqual(['h1', 'h3']);
    expect(await history('default').latest()).toBeNull();
  });

  it('prints one text matrix per environment under its heading', async () => {
    const r = await run(['sweep']);
    const headings = r.stdout.split('\n').filter((l) => l.startsWith('== environment'));
    expect(headings).toEqual(['== environment prod ==', '== environment edge ==']);
  });

  it('--environment sweeps only that one, printed as a single report', async () => {
    const r = await run(['sweep', '--json', '--environment', 'prod']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as SweepReport;
    expect(report.environment).toBe('prod');
    expect(report.status).toBe('up');
  });

  it('an --environment the config does not have is a usage error that lists the ones it has', async () => {
    const r = await run(['discover', '--environment', 'nope']);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.stderr).toContain('--environment nope: the config has no such environment (it has: prod, edge)');
    expect(r.stdout).toBe('');
  });
});
