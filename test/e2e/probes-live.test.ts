import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import { PROBE_KINDS } from '../../shared/domain/probe-kind.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { IKE_PROBE_AGENT_PATH } from '../../shared/probes/ike/ike-agent-copy.js';
import { CARRIER_LABEL } from '../../shared/probes/ike/ike-carrier.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { type AssembledSweep, assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import { planHosts } from '../lab/address-plan.js';
import { agentExec } from '../lab/agent-container.js';
import { docker } from '../lab/docker-cli.js';
import { heal } from '../lab/lab.js';
import { loadConfigOrThrow } from '../support/load-config-or-throw.js';
import { cli, lossOnly } from './support/lab-sweep.js';

// The default probe registry (both shells sweep with it) against the healthy lab: all five probe
// kinds for every ordered pair, the IKE probe program put into each agent on first use through the
// Docker API and run in its exec batch (no carrier), removed by `tunnelwatch cleanup`, stateless on the peers.
const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');
const configPath = inject('labConfigPath');

/** The command names of every process in a host's agent (its PID namespace). */
async function processNames(h: ReturnType<typeof planHosts>[number]): Promise<string[]> {
  const ps = await agentExec(h, ['ps', '-o', 'comm'], 10_000);
  return ps.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'COMMAND' && l !== 'ps');
}

async function carrierIds(h: ReturnType<typeof planHosts>[number]): Promise<string[]> {
  const r = await docker(h, ['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${CARRIER_LABEL}`]);
  return r.stdout.trim().split('\n').filter(Boolean);
}

/** The carriers on a host: whose agent they carry for, and their state. */
async function carriersOn(
  h: ReturnType<typeof planHosts>[number],
): Promise<{ agent: string; state: string }[]> {
  const r = await docker(h, [
    'ps',
    '--all',
    '--filter',
    `label=${CARRIER_LABEL}`,
    '--format',
    `{{.Label "${CARRIER_LABEL}"}} {{.State}}`,
  ]);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [agent, state] = l.split(' ');
      return { agent: agent!, state: state! };
    });
}

/** Per host: `swanctl --stats` half-open IKE_SA count inside its agent. */
async function halfOpenSas(hosts: ReturnType<typeof planHosts>): Promise<Record<string, number>> {
  const counts = await Promise.all(
    hosts.map(async (h) => {
      const res = await agentExec(h, ['swanctl', '--stats'], 10_000);
      const m = /IKE_SAs: \d+ total, (\d+) half-open/.exec(res.stdout);
      if (!m)
        throw new Error(`swanctl --stats on ${h.name} printed no IKE_SAs line: ${res.stdout}${res.stderr}`);
      return [h.name, Number(m[1])] as const;
    }),
  );
  return Object.fromEntries(counts);
}

describe.skipIf(skipReason !== '')('the default probes on the healthy lab', () => {
  const hosts = planHosts(hostCount);
  let config: TunnelwatchConfig;
  let sweep: AssembledSweep;
  let report: SweepReport;
  let halfOpenBefore: Record<string, number>;
  let processesBefore: string[][];

  beforeAll(async () => {
    const { tunnelsMissing } = await heal({ waitForTunnelsMs: 120_000, reconnect: true });
    expect(tunnelsMissing).toEqual([]);
    config = await loadConfigOrThrow({ path: configPath });
    sweep = assembleSweep();
    // A cold start: no carrier anywhere, no IKE probe program in any agent (earlier files' sweeps
    // left theirs).
    for (const h of hosts) {
      const ids = await carrierIds(h);
      if (ids.length > 0) await docker(h, ['rm', '--force', ...ids]);
      await agentExec(h, ['rm', '-f', IKE_PROBE_AGENT_PATH], 10_000);
    }
    halfOpenBefore = await halfOpenSas(hosts);
    // The agents' own processes (the lab's agents idle in `sleep`) before any probe ran.
    processesBefore = await Promise.all(hosts.map(processNames));
    report = await runSweep(config, sweep.deps);
    // Lost pings on a freshly healed (or busy) lab say nothing about the probes: up to two more
    // sweeps while loss is all a sweep shows; the last must be clean.
    for (let extra = 0; extra < 2 && lossOnly(report); extra++) report = await runSweep(config, sweep.deps);
  });
  afterAll(async () => {
    await sweep?.close();
  });

  it('measures all five probe kinds for every ordered pair, all up', () => {
    const notUp = report.paths.filter((p) => p.state !== 'up');
    expect(notUp, JSON.stringify(notUp, null, 1)).toEqual([]);
    for (const from of hosts) {
      for (const to of hosts) {
        if (from === to) continue;
        const kinds = report.paths
          .filter((p) => p.from === from.name && p.to === to.name)
          .map((p) => p.probe);
        expect(kinds, `${from.name}→${to.name}`).toEqual([...PROBE_KINDS]);
      }
    }
    // The IKE probes really got charon's stateless answer.
    const ike = report.paths.filter((p) => p.probe.startsWith('ike-'));
    expect(ike.map((p) => p.ike?.response)).toEqual(ike.map(() => 'INVALID_KE_PAYLOAD'));
  });

  it('finds every pair ok and no host finding', () => {
    expect(report.hosts.map((h) => [h.name, h.state, h.findings ?? []])).toEqual(
      hosts.map((h) => [h.name, 'up', []]),
    );
    expect(report.verdicts).toHaveLength(hostCount * (hostCount - 1));
    expect(report.verdicts.filter((v) => v.cause !== 'ok')).toEqual([]);
    expect(report.status).toBe('up');
  });

  it('put the IKE probe program into every agent once, started no carrier, and keeps using that copy', async () => {
    // inode and change time: a copy put in again would be a new file.
    const fileOf = (h: (typeof hosts)[number]) =>
      agentExec(h, ['stat', '-c', '%a %u:%g %i %Z', IKE_PROBE_AGENT_PATH], 10_000).then((r) =>
        r.stdout.trim(),
      );
    const files = await Promise.all(hosts.map(fileOf));
    for (const f of files) expect(f).toMatch(/^755 0:0 \d+ \d+$/);
    expect(await Promise.all(hosts.map(carriersOn))).toEqual(hosts.map(() => []));
    // The next sweep of the same assembled sweep runs the same copy in each agent's batch.
    const again = await runSweep(config, sweep.deps);
    const ike = again.paths.filter((p) => p.probe.startsWith('ike-'));
    expect(ike.map((p) => `${p.from}>${p.to} ${p.probe} ${p.state} ${p.ike?.response}`)).toEqual(
      ike.map((p) => `${p.from}>${p.to} ${p.probe} up INVALID_KE_PAYLOAD`),
    );
    expect(await Promise.all(hosts.map(fileOf))).toEqual(files);
    expect(await Promise.all(hosts.map(carriersOn))).toEqual(hosts.map(() => []));
  });

  it('leaves no probe process behind in any agent', async () => {
    const after = await Promise.all(hosts.map(processNames));
    hosts.forEach((h, i) => {
      const count = (names: string[], n: string) => names.filter((x) => x === n).length;
      for (const n of ['ping', 'swanctl', 'sleep', 'exe'])
        expect(count(after[i]!, n), `${h.name}: ${n}`).toBeLessThanOrEqual(count(processesBefore[i]!, n));
      // No carrier shares the agent's PID namespace, and the program is not running (ps shows the
      // first 15 characters of its name, tunnelwatch-ike, like the carrier's).
      expect(count(after[i]!, 'tunnelwatch-ike'), h.name).toBe(0);
    });
  });

  it("tunnelwatch cleanup removes the IKE probe program, an older version's copy and a stale batch directory from every agent", async () => {
    // What an older tunnelwatch and an interrupted batch leave: another hash's program, a nonce's directory.
    const older = '/tmp/tunnelwatch-ike-probe-000000000000';
    const staleBatch = '/tmp/tunnelwatch-0123456789abcdef';
    for (const h of hosts) {
      const planted = await agentExec(h, ['sh', '-c', `: > ${older} && mkdir -p ${staleBatch}/x`], 10_000);
      expect(planted.code, h.name).toBe(0);
    }
    const { code, stdout } = await cli(['cleanup', '--config', configPath]);
    expect(stdout.trim().split('\n')).toEqual(
      hosts.map((h) => `${h.name}: removed 0 container(s); no IKE probe program left in the agent`),
    );
    expect(code).toBe(0);
    const left = await Promise.all(
      hosts.map((h) => agentExec(h, ['sh', '-c', 'ls -d /tmp/tunnelwatch-* 2>/dev/null'], 10_000)),
    );
    expect(left.map((r) => r.stdout.trim())).toEqual(hosts.map(() => ''));
    expect(await Promise.all(hosts.map(carriersOn))).toEqual(hosts.map(() => []));
  });

  it('left no half-open IKE SA on the peers', async () => {
    // A half-open SA lives 30 s, so right after the sweep is when probes that kept state would show.
    const after = await halfOpenSas(hosts);
    for (const h of hosts) expect(after[h.name], h.name).toBeLessThanOrEqual(halfOpenBefore[h.name]!);
  });
});
