// Peer sampling end to end against the simulated fleet (real dockerode, 12 fake Docker daemons on
// unix sockets), sweep after sweep as a serve loop or a warm Function would run them: each agent is
// asked to probe exactly k peers per sweep (counted in the exec argv the daemons receive), every
// ordered pair is probed within ⌈(N−1)/k⌉ sweeps, and a blocked pair is diagnosed once sampled,
// carried with its age in between, and alerts on its second sample — not on its second sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAlerts } from '../../shared/alerts/apply-alerts.js';
import type { TunnelwatchConfig } from '../../shared/config/tunnelwatch-config.js';
import type { SweepReport, Verdict } from '../../shared/domain/sweep-report.js';
import { runSweep } from '../../shared/sweep/run-sweep.js';
import { assembleSweep } from '../../shared/sweep/sweep-dependencies.js';
import { loadConfigOrThrow } from '../support/load-config-or-throw.js';
import { MemoryAlertStore } from '../support/memory-alert-store.js';
import { type SimulatedFleet, startSimulatedFleet } from '../support/simulated-docker-fleet.js';

const HOSTS = 12;
const K = 3;
const CYCLE = Math.ceil((HOSTS - 1) / K); // 4
const SWEEPS = 2 * CYCLE;
const ROTATION_MS = 60_000;
// Rotation indexes of today's minutes; sweep i (0-based) starts a little after its minute.
const FIRST_ROTATION = 29_412_345;
const startOf = (i: number) => new Date((FIRST_ROTATION + i) * ROTATION_MS + 150);

let fleet: SimulatedFleet;
let config: TunnelwatchConfig;
const reports: SweepReport[] = [];
/** Per sweep: host → the peers named in the argv of the execs its daemon received. */
const targets: Map<string, Set<string>>[] = [];
const opened: { sweep: number; pair: string }[] = [];

/** The peers whose addresses appear as whole tokens in an agent's exec argv. */
function peersIn(self: string, argvs: string[][]): Set<string> {
  const text = argvs.flat().join(' ');
  const found = new Set<string>();
  for (const host of fleet.plan.hosts) {
    if (host.name === self) continue;
    const ips = [host.underlayIp, host.overlayIp, host.advertisedIp];
    if (ips.some((ip) => new RegExp(`(?<![\\d.])${ip.replaceAll('.', '\\.')}(?![\\d.])`).test(text)))
      found.add(host.name);
  }
  return found;
}

beforeAll(async () => {
  fleet = await startSimulatedFleet({
    hosts: HOSTS,
    faults: [{ kind: 'block-udp4500', from: 'h2', to: 'h9', oneWay: false }],
  });
  config = await loadConfigOrThrow({
    path: await fleet.writeConfig({
      sweep: {
        deadlineMs: 30_000,
        concurrency: HOSTS,
        sampling: { aboveHosts: 8, peersPerSweep: K, rotationMs: ROTATION_MS },
      },
    }),
  });
  const sweep = assembleSweep();
  const alerts = new MemoryAlertStore();
  const names = config.hosts.map((h) => h.name);
  let previous: SweepReport | null = null;
  for (let i = 0; i < SWEEPS; i++) {
    const before = new Map([...fleet.servers].map(([name, s]) => [name, s.execArgvs.length]));
    let report: SweepReport;
    try {
      report = await runSweep(config, { ...sweep.deps, now: () => startOf(i), previousReport: previous });
    } finally {
      await sweep.close();
    }
    targets.push(
      new Map(
        [...fleet.servers].map(([name, s]) => [name, peersIn(name, s.execArgvs.slice(before.get(name)))]),
      ),
    );
    const outcome = await applyAlerts(alerts, report, names, new Date(startOf(i).getTime() + 5000));
    for (const t of outcome.transitions)
      if (t.action === 'opened') opened.push({ sweep: i, pair: `${t.pair.a}~${t.pair.b}` });
    reports.push(report);
    previous = report;
  }
}, 240_000);

afterAll(async () => {
  await fleet?.close();
});

const verdictOf = (report: SweepReport, from: string, to: string): Verdict =>
  report.verdicts.find((v) => v.from === from && v.to === to)!;
/** Sweeps (0-based) whose agents probed h2~h9, either way. */
const sampledSweeps = () =>
  targets.flatMap((t, i) => (t.get('h2')!.has('h9') || t.get('h9')!.has('h2') ? [i] : []));

describe(`peer sampling over a ${HOSTS}-host simulated fleet, k = ${K}`, () => {
  it('asks every agent to probe exactly k peers per sweep, and says so in the report', () => {
    for (const [i, perHost] of targets.entries()) {
      expect(perHost.size).toBe(HOSTS);
      const sizes = Object.fromEntries([...perHost].map(([name, peers]) => [name, peers.size]));
      expect(sizes, `sweep ${i}`).toEqual(Object.fromEntries(config.hosts.map((h) => [h.name, K])));
      expect(reports[i]!.sampling).toEqual({
        rotation: FIRST_ROTATION + i,
        peersPerSweep: K,
        cycleSweeps: CYCLE,
      });
      // Paths only for what was probed: k peers from each of the 12 agents.
      const pathPairs = new Set(reports[i]!.paths.map((p) => `${p.from}>${p.to}`));
      expect(pathPairs.size).toBe(HOSTS * K);
    }
  });

  it('probes every ordered pair within ⌈(N−1)/k⌉ consecutive sweeps, from any sweep on', () => {
    for (let start = 0; start + CYCLE <= SWEEPS; start++) {
      const covered = new Set<string>();
      for (const perHost of targets.slice(start, start + CYCLE))
        for (const [from, peers] of perHost) for (const to of peers) covered.add(`${from}>${to}`);
      expect(covered.size, `sweeps ${start}..${start + CYCLE - 1}`).toBe(HOSTS * (HOSTS - 1));
    }
  });

  it('a cold start with no history says "not sampled yet" for the unprobed pairs, never healthy', () => {
    const first = reports[0]!;
    const unprobed = first.verdicts.filter((v) => v.sample?.source !== 'probed');
    expect(unprobed.length).toBeGreaterThan(0);
    for (const v of unprobed) {
      expect(v).toMatchObject({ state: 'unknown', cause: 'unknown' });
      expect(v.sample).toEqual({ source: 'not-sampled-yet', sampledAt: null, ageSweeps: null });
    }
    expect(first.status).toBe('unknown');
    // After one full rotation every pair has a sample to carry.
    expect(reports[CYCLE]!.verdicts.filter((v) => v.sample?.source === 'not-sampled-yet')).toEqual([]);
  });

  it('finds the blocked pair when it is sampled, carries it with its age, and alerts on its second sample', () => {
    const sampled = sampledSweeps();
    expect(sampled.length).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < SWEEPS; i++) {
      const v = verdictOf(reports[i]!, 'h2', 'h9');
      const last = sampled.filter((s) => s <= i).at(-1);
      if (last === undefined) {
        expect(v.sample?.source, `sweep ${i}`).toBe('not-sampled-yet');
      } else if (last === i) {
        expect(v, `sweep ${i}`).toMatchObject({ state: 'down', cause: 'udp-4500-blocked' });
        expect(v.sample).toEqual({ source: 'probed', sampledAt: startOf(i).toISOString(), ageSweeps: 0 });
      } else {
        expect(v, `sweep ${i}`).toMatchObject({ state: 'down', cause: 'udp-4500-blocked' });
        expect(v.sample).toEqual({
          source: 'carried',
          sampledAt: startOf(last).toISOString(),
          ageSweeps: i - last,
        });
      }
    }
    // One alert, for the blocked pair, in the sweep that sampled it the second time.
    expect(opened).toEqual([{ sweep: sampled[1], pair: 'h2~h9' }]);
  });

  it('every probed pair but the blocked one is ok', () => {
    const wrong = reports
      .flatMap((r) => r.verdicts)
      .filter((v) => v.sample?.source === 'probed' && v.cause !== 'ok')
      .filter((v) => [v.from, v.to].sort().join('~') !== 'h2~h9')
      .map((v) => `${v.from}->${v.to}: ${v.cause}`);
    expect(wrong).toEqual([]);
  });
});

describe('peer sampling with a host whose Docker API is down', () => {
  it('reports that host on all its pairs every sweep, sampled or not: discovery covers every host', async () => {
    const small = await startSimulatedFleet({ hosts: 6, faults: [{ kind: 'docker-down', host: 'h6' }] });
    try {
      const cfg = await loadConfigOrThrow({
        path: await small.writeConfig({
          sweep: {
            deadlineMs: 10_000,
            sampling: { aboveHosts: 4, peersPerSweep: 1, rotationMs: ROTATION_MS },
          },
        }),
      });
      const sweep = assembleSweep();
      let report: SweepReport;
      try {
        report = await runSweep(cfg, { ...sweep.deps, now: () => startOf(0), previousReport: null });
      } finally {
        await sweep.close();
      }
      const onH6 = report.verdicts.filter((v) => v.from === 'h6' || v.to === 'h6');
      expect(onH6).toHaveLength(10);
      for (const v of onH6) {
        expect(v).toMatchObject({ state: 'unknown', cause: 'docker-unreachable' });
        expect(v.sample?.source).toBe('probed');
      }
      // The healthy hosts' pairs this sweep did not probe are not guessed.
      const others = report.verdicts.filter((v) => !onH6.includes(v));
      expect(others.filter((v) => v.sample?.source === 'not-sampled-yet').length).toBeGreaterThan(0);
      expect(others.filter((v) => v.sample?.source === 'probed').every((v) => v.cause === 'ok')).toBe(true);
    } finally {
      await small.close();
    }
  }, 60_000);
});
