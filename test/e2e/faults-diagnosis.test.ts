// Issue 4 + 5 acceptance: for every lab fault kind, one real sweep names the right cause for exactly
// the affected ordered pairs and `ok` for all others; after heal, every pair is `ok` again.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Cause } from '../../shared/domain/cause.js';
import type { Direction, Verdict } from '../../shared/domain/sweep-report.js';
import { fault, heal } from '../lab/lab.js';
import {
  isBlurredLadder,
  isStrayLoss,
  labConfigWith,
  orderedPairs,
  sweepAfterHeal,
  sweepLab,
  verdictOf,
} from './support/lab-sweep.js';

const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');
const labConfigPath = inject('labConfigPath');

const HOSTS = Array.from({ length: hostCount }, (_, i) => `h${i + 1}`);
const between = (a: string, b: string) => (x: string, y: string) =>
  (x === a && y === b) || (x === b && y === a);
const touching = (h: string) => (x: string, y: string) => x === h || y === h;

interface FaultCase {
  name: string;
  faults: [kind: string, args: string[]][];
  affected: (from: string, to: string) => boolean;
  cause: Cause;
  /** Random loss can, by chance, look clean in one burst: such cases may take a few sweeps. */
  sweeps?: number;
  latent?: boolean;
  /** The direction the verdict must name, per affected ordered pair. */
  direction?: (from: string, to: string) => Direction;
  /** The direction may stay unnamed (never wrong): the fault loses too few packets for the counters. */
  directionMayBeUnnamed?: boolean;
  pmtu?: number;
  /** A phrase the advice must contain (the host it tells the operator to act on). */
  advice?: string;
}
/** A one-way fault from a to b: forward on a→b's verdict, reverse on b→a's. */
const droppedFrom = (a: string) => (from: string) => (from === a ? 'forward' : 'reverse');

const CASES: FaultCase[] = [
  {
    name: 'block-udp500 h1 h2: latent (the live SA still carries traffic)',
    faults: [['block-udp500', ['h1', 'h2']]],
    affected: between('h1', 'h2'),
    cause: 'udp-500-blocked',
    latent: true,
  },
  {
    name: 'block-udp4500 h1 h2',
    faults: [['block-udp4500', ['h1', 'h2']]],
    affected: between('h1', 'h2'),
    cause: 'udp-4500-blocked',
  },
  {
    name: 'block-udp500 + block-udp4500 h1 h2',
    faults: [
      ['block-udp500', ['h1', 'h2']],
      ['block-udp4500', ['h1', 'h2']],
    ],
    affected: between('h1', 'h2'),
    cause: 'udp-500-4500-blocked',
  },
  {
    name: 'partition h1 h2',
    faults: [['partition', ['h1', 'h2']]],
    affected: between('h1', 'h2'),
    cause: 'underlay-unreachable',
  },
  {
    name: 'loss h1 h2 30%',
    faults: [['loss', ['h1', 'h2', '30']]],
    affected: between('h1', 'h2'),
    cause: 'packet-loss',
    sweeps: 3,
  },
  { name: 'stop-agent h2', faults: [['stop-agent', ['h2']]], affected: touching('h2'), cause: 'agent-down' },
  { name: 'kill-ike h2', faults: [['kill-ike', ['h2']]], affected: touching('h2'), cause: 'agent-down' },
  {
    name: 'docker-down h2',
    faults: [['docker-down', ['h2']]],
    affected: touching('h2'),
    cause: 'docker-unreachable',
  },
  {
    name: 'wrong-agent-ip h2',
    faults: [['wrong-agent-ip', ['h2']]],
    affected: touching('h2'),
    cause: 'agent-ip-misconfigured',
  },
  {
    name: 'wrong-agent-ip h2 --auto-detected: no CATTLE_AGENT_IP, caught through what the peers dial',
    faults: [['wrong-agent-ip', ['h2', '--auto-detected']]],
    affected: touching('h2'),
    cause: 'agent-ip-misconfigured',
  },
  {
    name: 'block-udp4500 h1 h2 --one-way: the dropped direction is named',
    faults: [['block-udp4500', ['h1', 'h2', '--one-way']]],
    affected: between('h1', 'h2'),
    cause: 'udp-4500-blocked',
    direction: droppedFrom('h1'),
  },
  {
    name: 'mtu-blackhole h1 h2 1400: small pings pass, large ones vanish',
    faults: [['mtu-blackhole', ['h1', 'h2', '1400']]],
    affected: between('h1', 'h2'),
    cause: 'mtu-blackhole',
    pmtu: 1300,
  },
  {
    name: 'mtu-blackhole h1 h2 1400 --one-way',
    faults: [['mtu-blackhole', ['h1', 'h2', '1400', '--one-way']]],
    affected: between('h1', 'h2'),
    cause: 'mtu-blackhole',
    pmtu: 1300,
    direction: droppedFrom('h1'),
    // Only the 1400-byte rung is lost one way: 4 packets of ~30 a sweep, under MIN_GAP_SHARE, so the
    // SA counters should not name the direction (docs/diagnosis.md); if they do, it must be the right one.
    directionMayBeUnnamed: true,
  },
  {
    name: 'esp-drop h1 h2: IKE passes, ESP-in-UDP dropped',
    faults: [['esp-drop', ['h1', 'h2']]],
    affected: between('h1', 'h2'),
    cause: 'esp-blocked',
    direction: () => 'both',
  },
  {
    name: 'tunnel-missing h2 h3: a partial mesh',
    faults: [['tunnel-missing', ['h2', 'h3']]],
    affected: between('h2', 'h3'),
    cause: 'tunnel-missing',
  },
  {
    name: 'tunnel-stale h1 h2: h2 forgot the SA unheard, h1 keeps the remnant',
    faults: [['tunnel-stale', ['h1', 'h2']]],
    affected: between('h1', 'h2'),
    cause: 'tunnel-stale',
    advice: 'restart the ipsec router (the ipsec stack) on h1',
  },
];

describe.skipIf(skipReason !== '')('a sweep names the cause of each lab fault', () => {
  let configPath: string;

  beforeAll(async () => {
    await heal({ waitForTunnelsMs: 120_000, reconnect: true });
    // Ten pings per path make random loss visible in one burst far more often than the default three.
    configPath = await labConfigWith(labConfigPath, {
      probes: { pingCount: 10, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
    });
  });

  afterEach(async (ctx) => {
    const started = Date.now();
    const { tunnelsMissing } = await heal({ waitForTunnelsMs: 200_000, reconnect: true });
    expect(tunnelsMissing).toEqual([]);
    const { code, report } = await sweepAfterHeal(configPath);
    const notOk = report.verdicts
      .filter((v) => v.cause !== 'ok' && !isStrayLoss(report, v))
      .map((v) => `${v.from}→${v.to} ${v.cause}`);
    process.stderr.write(
      `[e2e] ${ctx.task.name}: healed and swept clean in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(notOk).toEqual([]);
    expect(code).toBeLessThanOrEqual(1);
  });

  afterAll(async () => {
    await heal({ waitForTunnelsMs: 120_000, reconnect: true });
  });

  it.each(CASES)('$name', async (c) => {
    for (const [kind, args] of c.faults) await fault(kind, args);
    const pairs = orderedPairs(HOSTS);
    let report = (await sweepLab(configPath)).report;
    // Random-loss cases may take a few sweeps; any other case gets one more only when a stray lost
    // ping (see isStrayLoss) is all that hid the cause on the first.
    // A direction rests on SA counters that must move enough within one sweep: such cases get a third.
    for (let i = 1; i < (c.sweeps ?? (c.direction ? 3 : 2)); i++) {
      const affected = pairs.filter(([a, b]) => c.affected(a, b)).map(([a, b]) => verdictOf(report, a, b));
      // The direction comes from SA packet counters moving within the sweep; a sweep in which they did
      // not move enough names none (never a wrong one), and gets one more sweep like a stray loss.
      const undirected = (v: Verdict) =>
        c.direction !== undefined &&
        !c.directionMayBeUnnamed &&
        v.cause === c.cause &&
        v.direction === undefined;
      // Loss on a pair the fault does not touch is the lab's own, under load. Counters that moved with
      // it can point the other way in one sweep: that sweep, too, gets one more (the last must be right).
      const labLoss = report.paths.some(
        (p) => p.probe === 'overlay-icmp' && p.received < p.sent && !c.affected(p.from, p.to),
      );
      const misdirected = (v: Verdict) =>
        labLoss &&
        c.direction !== undefined &&
        v.cause === c.cause &&
        v.direction !== undefined &&
        v.direction !== c.direction(v.from, v.to);
      const wrong = affected.filter((v) => v.cause !== c.cause || undirected(v) || misdirected(v));
      if (wrong.length === 0) break;
      const stray = (v: Verdict) =>
        isStrayLoss(report, v) || (c.pmtu !== undefined && isBlurredLadder(report, v, c.pmtu));
      if (c.sweeps === undefined && !wrong.every((v) => stray(v) || undirected(v) || misdirected(v))) break;
      report = (await sweepLab(configPath)).report;
    }
    for (const [from, to] of pairs) {
      const v = verdictOf(report, from, to);
      const label = `${from}→${to}: ${v.cause} (${v.evidence.join('; ')})`;
      if (c.affected(from, to)) {
        expect(v.cause, label).toBe(c.cause);
        expect(v.state, label).not.toBe('up');
        expect(v.advice.length, label).toBeGreaterThan(20);
        if (c.latent) expect(v.latent, label).toBe(true);
        if (c.direction && !(c.directionMayBeUnnamed && v.direction === undefined))
          expect(v.direction, label).toBe(c.direction(from, to));
        if (c.pmtu !== undefined) expect(v.pmtu, label).toBe(c.pmtu);
        if (c.advice) expect(v.advice, label).toContain(c.advice);
      } else if (!isStrayLoss(report, v)) {
        expect(v.cause, label).toBe('ok');
      }
    }
  });
});
