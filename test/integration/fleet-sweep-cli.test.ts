// A 100-host sweep through the real `tunnelwatch` CLI (bin/tunnelwatch.js in a child process, real
// dockerode) against the simulated fleet's 100 fake Docker daemons on unix sockets, with a few chosen
// faults: the faulty pairs get exactly their verdicts, every other pair is ok, and each agent costs
// one copy of the IKE probe program into it and one exec (the batch, the IKE probe in it), with
// nothing left behind; the two agents with a read-only root filesystem get a carrier instead (one
// more exec each, and the image imported where it was missing).
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { type Fault, type SimulatedFleet, startSimulatedFleet } from '../support/simulated-docker-fleet.js';

const HOSTS = 100;
// Agents that refuse the IKE probe program; h11's host has the carrier image, h12's imports it.
const READ_ONLY = ['h11', 'h12'];
const FAULTS: Fault[] = [
  { kind: 'block-udp4500', from: 'h10', to: 'h20', oneWay: false },
  { kind: 'block-udp500', from: 'h30', to: 'h31', oneWay: false },
  { kind: 'partition', a: 'h40', b: 'h41' },
  { kind: 'loss', a: 'h50', b: 'h51', percent: 30 },
  { kind: 'kill-ike', host: 'h60' },
  { kind: 'stop-agent', host: 'h70' },
  { kind: 'docker-down', host: 'h80' },
  { kind: 'wrong-agent-ip', host: 'h90' },
];

/** What the faults above must produce for one ordered pair, written out independently of the fleet. */
function expectedCause(a: string, b: string): string {
  const either = (h: string) => a === h || b === h;
  const pair = (x: string, y: string) => (a === x && b === y) || (a === y && b === x);
  if (either('h80')) return 'docker-unreachable';
  if (either('h70')) return 'agent-down';
  if (either('h90')) return 'agent-ip-misconfigured';
  if (either('h60')) return 'agent-down';
  if (pair('h10', 'h20')) return 'udp-4500-blocked';
  if (pair('h30', 'h31')) return 'udp-500-blocked';
  if (pair('h40', 'h41')) return 'underlay-unreachable';
  if (pair('h50', 'h51')) return 'packet-loss';
  return 'ok';
}

let fleet: SimulatedFleet;
let result: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  // Odd hosts have the IKE probe image, even ones import it (built in memory) first.
  fleet = await startSimulatedFleet({
    hosts: HOSTS,
    faults: FAULTS,
    probeImage: 'some',
    readOnlyAgents: READ_ONLY,
  });
  // A generous deadline: this test checks verdicts, not speed (test/bench/fleet-bench.ts measures that).
  const config = await fleet.writeConfig({ sweep: { deadlineMs: 200_000, concurrency: 16 } });
  result = await runCli(['sweep', '--config', config, '--json'], {});
}, 240_000);

afterAll(async () => {
  await fleet?.close();
});

function runCli(argv: string[], env: Record<string, string>) {
  const bin = new URL('../../bin/tunnelwatch.js', import.meta.url).pathname;
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe(`a ${HOSTS}-host sweep through the CLI against the simulated fleet`, () => {
  it('prints one verdict per ordered pair: the chosen faults where they are, ok everywhere else', () => {
    expect(result.stderr).not.toMatch(/config error|Error:/);
    const report = JSON.parse(result.stdout) as SweepReport;
    expect(report.hosts).toHaveLength(HOSTS);
    expect(report.verdicts).toHaveLength(HOSTS * (HOSTS - 1));
    const wrong = report.verdicts
      .filter((v) => v.cause !== expectedCause(v.from, v.to))
      .map((v) => `${v.from}->${v.to}: ${v.cause}, expected ${expectedCause(v.from, v.to)}`);
    expect(wrong).toEqual([]);
    const counts = new Map<string, number>();
    for (const v of report.verdicts) counts.set(v.cause, (counts.get(v.cause) ?? 0) + 1);
    // h80, h70, h90, h60 (in that order of precedence) each take their pairs with the other 99 hosts,
    // less those an earlier one already took.
    expect(Object.fromEntries(counts)).toEqual({
      ok: HOSTS * (HOSTS - 1) - 198 - 196 - 194 - 192 - 8,
      'docker-unreachable': 2 * 99,
      'agent-down': 2 * 98 + 2 * 96,
      'agent-ip-misconfigured': 2 * 97,
      'udp-4500-blocked': 2,
      'udp-500-blocked': 2,
      'underlay-unreachable': 2,
      'packet-loss': 2,
    });
  });

  it('grades the faults the way an operator needs them', () => {
    const report = JSON.parse(result.stdout) as SweepReport;
    const verdict = (a: string, b: string) => report.verdicts.find((v) => v.from === a && v.to === b)!;
    expect(verdict('h10', 'h20')).toMatchObject({ state: 'down', cause: 'udp-4500-blocked' });
    expect(verdict('h31', 'h30')).toMatchObject({
      state: 'degraded',
      cause: 'udp-500-blocked',
      latent: true,
    });
    expect(verdict('h50', 'h51')).toMatchObject({ state: 'degraded', cause: 'packet-loss' });
    expect(verdict('h1', 'h80')).toMatchObject({ state: 'unknown', cause: 'docker-unreachable' });
    // Something could not be measured (h80's Docker API), so the run is "unknown": exit code 3.
    expect(report.status).toBe('unknown');
    expect(result.code).toBe(3);
  });

  it('measures every healthy path and leaves no path unknown outside the unreachable host', () => {
    const report = JSON.parse(result.stdout) as SweepReport;
    const unknown = report.paths.filter((p) => p.state === 'unknown');
    expect(unknown).toEqual([]);
    // 98 probing agents (not h70, stopped, nor h80, unreachable; h60's batch still runs): an SA path to
    // each of its 99 peers, an overlay ping to the 97 whose overlay address discovery found.
    const probing = HOSTS - 2;
    expect(report.paths.filter((p) => p.probe === 'ipsec-sa')).toHaveLength(probing * (HOSTS - 1));
    expect(report.paths.filter((p) => p.probe === 'overlay-icmp')).toHaveLength(probing * (HOSTS - 3));
  });

  it('costs each agent one copy and one exec (a read-only one a carrier), and leaves nothing running on any host', () => {
    for (const [name, server] of fleet.servers) {
      const calls = (route: string) => server.requests.get(route) ?? 0;
      const probed = name !== 'h70';
      const carried = READ_ONLY.includes(name);
      expect({
        name,
        copies: calls('PUT /containers/:id/archive'),
        exec: calls('POST /containers/:id/exec'),
        carriers: calls('POST /containers/create'),
        exitCodes: calls('GET /exec/:id/json'),
      }).toEqual({
        name,
        copies: probed ? 1 : 0,
        exec: probed ? (carried ? 2 : 1) : 0,
        carriers: carried ? 1 : 0,
        // Every exec ends with the line that says it ran to its end: no exit code is asked for.
        exitCodes: 0,
      });
      expect(calls('POST /images/create')).toBe(name === 'h12' ? 1 : 0);
      // A carrier stays for the next sweep (it dies with its agent); nothing else is left.
      expect(server.leftoverContainers).toEqual(
        carried ? [expect.stringMatching(/^tunnelwatch-carrier-/)] : [],
      );
      // The IKE probe's argv (99 peers × 2 requests) travels in the exec body, never in a URL.
      expect(server.longestUrl).toBeLessThan(1024);
      expect(server.runningExecs).toBe(0);
    }
  });
});
