import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import type { PairEvidence } from '../../../shared/diagnosis/pair-evidence.js';
import { CAUSES, type Cause } from '../../../shared/domain/cause.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { HostFindingCode, HostResult, PathResult, State } from '../../../shared/domain/sweep-report.js';
import { IKE_DAEMON_UNREACHABLE } from '../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';

// A compact language for one direction's evidence: o=overlay ping, u=underlay ping (received of 3),
// i5/i45 = IKE 500/4500 outcome, sa = source agent's SA view.
interface Dir {
  o?: number | 'x';
  u?: number | 'x';
  i5?: 'a' | 't' | 'r';
  i45?: 'a' | 't' | 'r';
  sa?: 'est' | 'connecting' | 'none' | 'daemon-down' | 'partial';
  /** SPIs of the installed child: one end of SA pair A (f), the other end (r), or SPIs of another pair (s). */
  spi?: 'f' | 'r' | 's';
  /** SA packet counters [in, out] counted during this sweep's probes (between the two reads). */
  pk?: [number, number];
  /** Is a connection to the peer configured (list-conns)? */
  conf?: boolean;
  /** Sized overlay pings: replies (of 2) at 1400, 1300, 1200, 1000 bytes. */
  mtu?: [number, number, number, number];
  /** IKE SA age in seconds. */
  age?: number;
}
const SPIS = {
  f: { spiIn: 'aa01', spiOut: 'bb02' },
  r: { spiIn: 'bb02', spiOut: 'aa01' },
  s: { spiIn: 'cc03', spiOut: 'dd04' },
};

const H1 = 'h1' as HostName;
const H2 = 'h2' as HostName;
const host = (name: HostName, finding?: HostFindingCode): HostResult => ({
  name,
  state:
    finding === 'docker-unreachable'
      ? 'unknown'
      : finding && finding !== 'agent-ip-misconfigured'
        ? 'down'
        : 'up',
  agent:
    finding && finding !== 'agent-ip-misconfigured'
      ? null
      : { containerId: `c-${name}`, overlayIp: '100.64.1.2' as Ipv4 },
  ...(finding ? { findings: [{ code: finding, message: `finding ${finding}` }] } : {}),
});

function paths(from: HostName, to: HostName, d: Dir): PathResult[] {
  const out: PathResult[] = [];
  const base = { from, to, rttMs: null };
  const ping = (probe: 'overlay-icmp' | 'underlay-icmp', v: number | 'x' | undefined) => {
    if (v === undefined) return;
    if (v === 'x')
      out.push({
        ...base,
        probe,
        state: 'unknown',
        sent: 0,
        received: 0,
        lossRatio: 0,
        error: 'exec failed',
      });
    else {
      const state: State = v === 3 ? 'up' : v === 0 ? 'down' : 'degraded';
      out.push({ ...base, probe, state, sent: 3, received: v, lossRatio: (3 - v) / 3 });
    }
  };
  ping('overlay-icmp', d.o);
  ping('underlay-icmp', d.u);
  const ike = (probe: 'ike-udp500' | 'ike-udp4500', v: Dir['i5']) => {
    if (!v) return;
    const outcome = v === 'a' ? 'answered' : v === 't' ? 'timeout' : 'refused';
    out.push({
      ...base,
      probe,
      state: v === 'a' ? 'up' : 'down',
      sent: 1,
      received: v === 'a' ? 1 : 0,
      lossRatio: v === 'a' ? 0 : 1,
      ike: { outcome, ...(v === 'a' ? { response: 'INVALID_KE_PAYLOAD' } : {}) },
    });
  };
  ike('ike-udp500', d.i5);
  ike('ike-udp4500', d.i45);
  if (d.sa) {
    const sa = {
      est: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' },
      partial: { ikeState: 'ESTABLISHED', childState: null },
      connecting: { ikeState: 'CONNECTING', childState: null },
      none: { ikeState: null, childState: null },
      'daemon-down': { ikeState: null, childState: null, daemon: 'unreachable' as const },
    }[d.sa];
    out.push({
      ...base,
      probe: 'ipsec-sa',
      state: d.sa === 'est' ? 'up' : 'down',
      sent: 0,
      received: 0,
      lossRatio: 0,
      sa: {
        ...sa,
        ...(d.spi ? SPIS[d.spi] : {}),
        ...(d.pk ? { packetsInDelta: d.pk[0], packetsOutDelta: d.pk[1] } : {}),
        ...(d.conf !== undefined ? { configured: d.conf } : {}),
        ...(d.age !== undefined ? { establishedSec: d.age } : {}),
      },
      ...(d.sa === 'daemon-down' ? { error: `${IKE_DAEMON_UNREACHABLE}: refused` } : {}),
    });
  }
  if (d.mtu) {
    const ladder = [1400, 1300, 1200, 1000].map((bytes, i) => ({ bytes, sent: 2, received: d.mtu![i]! }));
    const passing = ladder.filter((r) => r.received > 0).map((r) => r.bytes);
    const received = ladder.reduce((n, r) => n + r.received, 0);
    out.push({
      ...base,
      probe: 'overlay-mtu',
      state: received === 8 ? 'up' : received === 0 ? 'down' : 'degraded',
      sent: 8,
      received,
      lossRatio: 1 - received / 8,
      mtu: { pmtu: passing.length ? Math.max(...passing) : null, ceiling: 1400, ladder },
    });
  }
  return out;
}

const evidence = (fwd: Dir, rev: Dir, f1?: HostFindingCode, f2?: HostFindingCode): PairEvidence => ({
  from: host(H1, f1),
  to: host(H2, f2),
  forward: paths(H1, H2, fwd),
  reverse: paths(H2, H1, rev),
});

const healthy: Dir = { o: 3, u: 3, i5: 'a', i45: 'a', sa: 'est' };

// [name, forward, reverse, from finding, to finding, cause, state, latent]
const table: Array<
  [string, Dir, Dir, HostFindingCode | undefined, HostFindingCode | undefined, Cause, State, boolean?]
> = [
  ['all healthy', healthy, healthy, undefined, undefined, 'ok', 'up'],
  ['only overlay evidence, healthy', { o: 3 }, { o: 3 }, undefined, undefined, 'ok', 'up'],
  [
    'random loss on the path',
    { ...healthy, o: 2 },
    { ...healthy, o: 1 },
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'random loss also ate one IKE probe',
    { ...healthy, o: 1, i45: 't' },
    { ...healthy, o: 2 },
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'heavy random loss: a whole overlay burst and the IKE 4500 probe lost, underlay lossy',
    { ...healthy, o: 0, u: 1, i45: 't' },
    { ...healthy, o: 2, u: 2 },
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'random loss ate an IKE 500 probe under a working overlay: loss, not a latent block',
    { ...healthy, u: 2, i5: 't' },
    healthy,
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  ['only overlay evidence, dead', { o: 0 }, { o: 0 }, undefined, undefined, 'overlay-unreachable', 'down'],
  [
    'UDP 500 blocked under a live SA: latent, not ok',
    { ...healthy, i5: 't' },
    healthy,
    undefined,
    undefined,
    'udp-500-blocked',
    'degraded',
    true,
  ],
  [
    'UDP 500 blocked, seen only in the reverse direction',
    healthy,
    { ...healthy, i5: 't' },
    undefined,
    undefined,
    'udp-500-blocked',
    'degraded',
    true,
  ],
  [
    'UDP 500 blocked and the tunnel already gone',
    { o: 0, u: 3, i5: 't', i45: 'a', sa: 'connecting' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
    undefined,
    undefined,
    'udp-500-blocked',
    'down',
  ],
  [
    'UDP 4500 blocked while SA still says ESTABLISHED (SA lags)',
    { o: 0, u: 3, i5: 'a', i45: 't', sa: 'est' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    undefined,
    undefined,
    'udp-4500-blocked',
    'down',
  ],
  [
    'UDP 4500 rejected with ICMP, 500 fine',
    { o: 0, u: 3, i5: 'a', i45: 'r', sa: 'est' },
    { o: 0, u: 3, i5: 'a', i45: 'a' },
    undefined,
    undefined,
    'udp-4500-blocked',
    'down',
  ],
  [
    'both ports blocked, underlay ICMP fine',
    { o: 0, u: 3, i5: 't', i45: 't', sa: 'est' },
    { o: 0, u: 3, i5: 't', i45: 't', sa: 'est' },
    undefined,
    undefined,
    'udp-500-4500-blocked',
    'down',
  ],
  [
    'both ports blocked, no underlay ping measured',
    { o: 0, i5: 't', i45: 't' },
    { o: 0, i5: 't', i45: 't' },
    undefined,
    undefined,
    'udp-500-4500-blocked',
    'down',
  ],
  [
    'partition: nothing gets through',
    { o: 0, u: 0, i5: 't', i45: 't', sa: 'est' },
    { o: 0, u: 0, i5: 't', i45: 't', sa: 'est' },
    undefined,
    undefined,
    'underlay-unreachable',
    'down',
  ],
  [
    'underlay ICMP filtered but everything else fine',
    { ...healthy, u: 0 },
    { ...healthy, u: 0 },
    undefined,
    undefined,
    'ok',
    'up',
  ],
  [
    'peer charon stopped: both ports refused towards it',
    { o: 0, u: 3, i5: 'r', i45: 'r', sa: 'connecting' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'daemon-down' },
    undefined,
    undefined,
    'agent-down',
    'down',
  ],
  [
    'own charon stopped, seen by swanctl only',
    { o: 0, sa: 'daemon-down' },
    { o: 0 },
    undefined,
    undefined,
    'agent-down',
    'down',
  ],
  [
    'IKE answers, SA stuck CONNECTING, no traffic (PSK or proposal mismatch)',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'connecting' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
    undefined,
    undefined,
    'ike-negotiation-failed',
    'down',
  ],
  [
    'IKE answers, no SA at all, no traffic',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'SA ESTABLISHED, ports answer, but no traffic',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  // Each of these was once read wrongly by a changed line that no test noticed (issue 17).
  [
    'a lost UDP 4500 probe under a working overlay: loss, never a block that pages',
    { ...healthy, i45: 't' },
    healthy,
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'a one-way partition: the host network, not the IKE ports',
    { o: 0, u: 0, i5: 't', i45: 't', sa: 'est' },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    undefined,
    undefined,
    'underlay-unreachable',
    'down',
  ],
  [
    'the peer charon dead under a live tunnel: latent, traffic flows until the next rekey',
    { ...healthy, i5: 'r', i45: 'r' },
    healthy,
    undefined,
    undefined,
    'agent-down',
    'degraded',
    true,
  ],
  [
    'own charon dead (swanctl) under a live tunnel: latent too',
    { ...healthy, sa: 'daemon-down' },
    healthy,
    undefined,
    undefined,
    'agent-down',
    'degraded',
    true,
  ],
  [
    'one direction dead, the other lossy: the dead one decides, not loss',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    { o: 2, u: 3, i5: 'a', i45: 'a', sa: 'est' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'one direction lossy, the other clean: loss',
    { ...healthy, o: 3 },
    { ...healthy, o: 2 },
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'UDP 4500 blocked seen only in the reverse direction',
    { o: 0, u: 3, i5: 'a', i45: 'a' },
    { o: 0, u: 3, i5: 'a', i45: 't' },
    undefined,
    undefined,
    'udp-4500-blocked',
    'down',
  ],
  [
    'UDP 500 refused with ICMP under a live SA: latent',
    { ...healthy, i5: 'r' },
    healthy,
    undefined,
    undefined,
    'udp-500-blocked',
    'degraded',
    true,
  ],
  [
    'UDP 500 blocked, overlay not measured: degraded, not down',
    { o: 'x', u: 3, i5: 't', i45: 'a' },
    { u: 3, i5: 'a', i45: 'a' },
    undefined,
    undefined,
    'udp-500-blocked',
    'degraded',
  ],
  [
    'overlay not measured, IKE answers, no SA: the tunnel is down',
    { o: 'x', u: 3, i5: 'a', i45: 'a', sa: 'none' },
    { u: 3, i5: 'a', i45: 'a' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'overlay dead, SA stuck negotiating, IKE not measured: the tunnel is down',
    { o: 0, sa: 'connecting' },
    { o: 0 },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'overlay dead, only the reverse direction has no SA: the tunnel is down',
    { o: 0 },
    { o: 0, sa: 'partial' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'underlay and both IKE ports silent one way while the overlay works: a latent UDP 500 block, not unreachable',
    { ...healthy, u: 0, i5: 't', i45: 't' },
    healthy,
    undefined,
    undefined,
    'udp-500-blocked',
    'degraded',
    true,
  ],
  [
    'overlay dead, SA established both ways, nothing else measured: overlay-unreachable',
    { o: 0, sa: 'est' },
    { o: 0, sa: 'est' },
    undefined,
    undefined,
    'overlay-unreachable',
    'down',
  ],
  [
    "overlay dead, only one direction's UDP 500 answered: the tunnel is down",
    { o: 0, i5: 'a' },
    { o: 0 },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    "overlay dead, only one direction's UDP 4500 answered: the tunnel is down",
    { o: 0 },
    { o: 0, i45: 'a' },
    undefined,
    undefined,
    'tunnel-down',
    'down',
  ],
  [
    'overlay dead, IKE answers, only the reverse SA negotiating: negotiation failed',
    { o: 0, i5: 'a', i45: 'a' },
    { o: 0, sa: 'connecting' },
    undefined,
    undefined,
    'ike-negotiation-failed',
    'down',
  ],
  [
    'overlay not measured, IKE answers, SA established: unknown, not tunnel-down',
    { o: 'x', i5: 'a', i45: 'a', sa: 'est' },
    { o: 'x' },
    undefined,
    undefined,
    'unknown',
    'unknown',
  ],
  [
    'overlay lossy while one direction looks silent on the host network: loss, not unreachable',
    { o: 2, u: 0, i5: 't', i45: 't' },
    healthy,
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  [
    'underlay ICMP filtered, UDP 500 answers, UDP 4500 silent: the 4500 block, not unreachable',
    { o: 0, u: 0, i5: 'a', i45: 't' },
    { o: 0, u: 0, i5: 'a', i45: 'a' },
    undefined,
    undefined,
    'udp-4500-blocked',
    'down',
  ],
  [
    'underlay ICMP filtered, UDP 4500 answers, UDP 500 silent: the 500 block, not unreachable',
    { o: 0, u: 0, i5: 't', i45: 'a' },
    { o: 0, u: 0, i5: 'a', i45: 'a' },
    undefined,
    undefined,
    'udp-500-blocked',
    'down',
  ],
  [
    'the reverse underlay loses packets: a lost UDP 500 probe is that loss, not a latent block',
    healthy,
    { ...healthy, u: 2, i5: 't' },
    undefined,
    undefined,
    'packet-loss',
    'degraded',
  ],
  ['source agent stopped', {}, {}, 'agent-down', undefined, 'agent-down', 'down'],
  ['peer agent missing', {}, {}, undefined, 'agent-missing', 'agent-missing', 'down'],
  ['peer agent IP invalid', {}, {}, undefined, 'agent-ip-invalid', 'unknown', 'unknown'],
  ['source agent missing', {}, {}, 'agent-missing', undefined, 'agent-missing', 'down'],
  ['peer agent stopped', {}, {}, undefined, 'agent-down', 'agent-down', 'down'],
  [
    'peer agent advertises a foreign address',
    { o: 0, u: 3, i5: 't', i45: 't' },
    { o: 0, u: 3, i5: 'a', i45: 'a' },
    undefined,
    'agent-ip-misconfigured',
    'agent-ip-misconfigured',
    'down',
  ],
  [
    'misconfigured address while the overlay still works',
    healthy,
    healthy,
    'agent-ip-misconfigured',
    undefined,
    'agent-ip-misconfigured',
    'degraded',
  ],
  [
    'MTU black hole: small pings pass, everything above 1300 bytes lost both ways',
    { ...healthy, mtu: [0, 2, 2, 2] },
    { ...healthy, mtu: [0, 2, 2, 2] },
    undefined,
    undefined,
    'mtu-blackhole',
    'down',
  ],
  [
    'random loss ate one sized rung in one direction: not an MTU black hole',
    { ...healthy, mtu: [0, 2, 2, 2] },
    { ...healthy, mtu: [2, 2, 2, 2] },
    undefined,
    undefined,
    'ok',
    'up',
  ],
  [
    'random loss ate a rung below a passing one: not a size threshold',
    { ...healthy, mtu: [2, 0, 2, 2] },
    { ...healthy, mtu: [2, 0, 2, 2] },
    undefined,
    undefined,
    'ok',
    'up',
  ],
  [
    'a half-answered rung is loss, not a threshold',
    { ...healthy, mtu: [0, 1, 2, 2] },
    { ...healthy, mtu: [0, 1, 2, 2] },
    undefined,
    undefined,
    'ok',
    'up',
  ],
  [
    'ESP dropped, IKE answers both ports, same SAs both sides, receiver counts nothing',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', pk: [10, 40] },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', pk: [10, 40] },
    undefined,
    undefined,
    'esp-blocked',
    'down',
  ],
  [
    'SAs installed on both sides but neither knows the other’s SPIs (one-sided restart)',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', age: 900 },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 's', age: 20 },
    undefined,
    undefined,
    'tunnel-stale',
    'down',
  ],
  [
    'one side INSTALLED, the other holds no SA for it at all (the responder restarted)',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', conf: true },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none', conf: true },
    undefined,
    undefined,
    'tunnel-stale',
    'down',
  ],
  [
    'one side INSTALLED, the other without SA and without connection: a partial mesh, not stale',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', conf: true },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none', conf: false },
    undefined,
    undefined,
    'tunnel-missing',
    'down',
  ],
  [
    'one side INSTALLED, the other without SA, but the overlay works: nothing is broken',
    { ...healthy, spi: 'f' },
    { ...healthy, sa: 'none' },
    undefined,
    undefined,
    'ok',
    'up',
  ],
  [
    'one side INSTALLED, the other without SA, IKE silent: the block decides',
    { o: 0, u: 3, i5: 't', i45: 't', sa: 'est', spi: 'f' },
    { o: 0, u: 3, i5: 't', i45: 't', sa: 'none' },
    undefined,
    undefined,
    'udp-500-4500-blocked',
    'down',
  ],
  [
    'one side has neither an SA nor a connection for the peer (partial mesh)',
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none', conf: false },
    { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'connecting', conf: true },
    undefined,
    undefined,
    'tunnel-missing',
    'down',
  ],
  ['peer Docker API unreachable', {}, {}, undefined, 'docker-unreachable', 'docker-unreachable', 'unknown'],
  [
    'Docker unreachable outranks a missing agent',
    {},
    {},
    'agent-missing',
    'docker-unreachable',
    'docker-unreachable',
    'unknown',
  ],
  ['several agents on a host', {}, {}, 'agent-multiple', undefined, 'unknown', 'unknown'],
  ['no evidence at all', {}, {}, undefined, undefined, 'unknown', 'unknown'],
  ['probes could not run', { o: 'x', u: 'x' }, { o: 'x' }, undefined, undefined, 'unknown', 'unknown'],
];

describe('diagnose', () => {
  it.each(table)('%s', (_name, fwd, rev, f1, f2, cause, state, latent) => {
    const verdict = diagnose(evidence(fwd, rev, f1, f2));
    expect({ cause: verdict.cause, state: verdict.state, latent: verdict.latent ?? false }).toEqual({
      cause,
      state,
      latent: latent ?? false,
    });
    expect(verdict.advice).toMatch(/^\S.*\.$/);
    expect(verdict.advice.split(/[.!?]\s/).length).toBe(1);
  });

  it('covers every cause in the table', () => {
    const covered = new Set(table.map((row) => row[5]));
    expect(CAUSES.filter((c) => !covered.has(c))).toEqual([]);
  });

  it('names the pair and cites the evidence from both directions', () => {
    const v = diagnose(evidence({ ...healthy, i5: 't' }, healthy));
    expect(v).toMatchObject({ from: 'h1', to: 'h2' });
    expect(v.evidence).toContain('IKE UDP 500 h1→h2: no answer (timeout)');
    expect(v.evidence).toContain('IKE UDP 500 h2→h1: answered (INVALID_KE_PAYLOAD)');
    expect(v.evidence).toContain('overlay ping h2→h1: 3/3 replies');
    expect(v.evidence.some((e) => /new IKE negotiation/.test(e))).toBe(true);
  });

  it('names the host whose IKE daemon is dead in the advice', () => {
    const v = diagnose(evidence({ o: 0, i5: 'a', i45: 'a' }, { o: 0, i5: 'r', i45: 'r' }));
    expect(v.cause).toBe('agent-down');
    expect(v.advice).toContain('on h1');
    expect(v.evidence[0]).toBe("the IKE daemon in h1's IPsec agent does not answer");
  });

  it('names the container to act on by the layout discovery found on that host', () => {
    const dead = evidence({ o: 0, i5: 'a', i45: 'a' }, { o: 0, i5: 'r', i45: 'r' });
    const on = (layout: 'rancher-1.1' | 'rancher-1.6' | undefined) =>
      diagnose({
        ...dead,
        from: { ...dead.from, agent: { ...dead.from.agent!, ...(layout ? { layout } : {}) } },
      }).advice;
    expect(on('rancher-1.6')).toContain('Restart the ipsec router (the ipsec stack) on h1');
    expect(on('rancher-1.1')).toContain('Restart the Network Agent on h1');
    expect(on(undefined)).toContain('Restart the IPsec agent on h1');
    // The pair's other host has its own layout: tunnel-down names each side's container.
    const down = evidence(
      { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
      { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'none' },
    );
    const mixed = diagnose({
      ...down,
      from: { ...down.from, agent: { ...down.from.agent!, layout: 'rancher-1.1' } },
      to: { ...down.to, agent: { ...down.to.agent!, layout: 'rancher-1.6' } },
    });
    expect(mixed.cause).toBe('tunnel-down');
    expect(mixed.advice).toContain(
      'restart the ipsec router (the ipsec stack) on h2 (or the Network Agent on h1)',
    );
  });

  it('says which way ESP is dropped and names that direction in the advice', () => {
    // h1's outbound SA: 40 sent, h2 received 10 of them; h2→h1 loses nothing.
    const v = diagnose(
      evidence(
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', pk: [12, 40] },
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', pk: [10, 12] },
      ),
    );
    expect(v).toMatchObject({ cause: 'esp-blocked', direction: 'forward' });
    expect(v.advice).toContain('from h1 to h2');
    expect(v.advice).not.toMatch(/restart/i);
    const both = diagnose(
      evidence(
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', pk: [2, 40] },
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', pk: [3, 30] },
      ),
    );
    expect(both.direction).toBe('both');
    expect(both.advice).toContain('in both directions');
  });

  it('old losses in the lifetime counters do not count: only the change during the sweep does', () => {
    const withHistory = (spi: 'f' | 'r'): Dir => ({ o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi });
    const e = evidence(withHistory('f'), withHistory('r'));
    for (const p of [...e.forward, ...e.reverse])
      if (p.sa)
        Object.assign(p.sa, { packetsIn: 10, packetsOut: 400, packetsInDelta: 6, packetsOutDelta: 6 });
    expect(diagnose(e).cause).toBe('tunnel-down');
  });

  it('without counter evidence of ESP loss, installed SAs and a dead overlay stay tunnel-down', () => {
    const v = diagnose(
      evidence(
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', pk: [10, 11] },
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', pk: [11, 10] },
      ),
    );
    expect(v.cause).toBe('tunnel-down');
    expect(v.direction).toBeUndefined();
    // Matched SAs without a loss gap say nothing about counters.
    expect(v.evidence.some((e) => e.startsWith('SA counters'))).toBe(false);
  });

  it('a one-way UDP 4500 block names the dropped direction', () => {
    const v = diagnose(
      evidence(
        // h2 sent 20 on its outbound SA, h1 received 14 of them; h1→h2 loses nothing.
        { o: 0, u: 3, i5: 'a', i45: 't', sa: 'est', spi: 'f', pk: [14, 20] },
        { o: 0, u: 3, i5: 'a', i45: 't', sa: 'est', spi: 'r', pk: [20, 20] },
      ),
    );
    expect(v).toMatchObject({ cause: 'udp-4500-blocked', direction: 'reverse' });
    expect(v.advice).toContain('Allow UDP 4500 from h2 to h1');
  });

  it('an MTU black hole carries the pmtu and the advice names the MTU to set', () => {
    const v = diagnose(evidence({ ...healthy, mtu: [0, 0, 2, 2] }, { ...healthy, mtu: [0, 0, 2, 2] }));
    expect(v).toMatchObject({ cause: 'mtu-blackhole', pmtu: 1200 });
    expect(v.advice).toContain('set the overlay (container) MTU to 1200');
  });

  it('names the stale side and the side without a connection', () => {
    const stale = diagnose(
      evidence(
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', age: 20 },
        { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 's', age: 900 },
      ),
    );
    expect(stale.advice).toContain('restart the IPsec agent on h2');
    // The side that forgot holds nothing; the other keeps the remnant and is the one to restart.
    for (const [fwd, rev, named] of [
      [{ sa: 'est', spi: 'f' }, { sa: 'none' }, 'h1'],
      [{ sa: 'none' }, { sa: 'est', spi: 'r' }, 'h2'],
    ] as const) {
      const base = { o: 0, u: 3, i5: 'a', i45: 'a' } as const;
      const orphan = diagnose(evidence({ ...base, ...fwd }, { ...base, ...rev }));
      expect(orphan.cause).toBe('tunnel-stale');
      expect(orphan.advice).toContain(`restart the IPsec agent on ${named}`);
      expect(orphan.evidence[0]).toContain(`${named} holds an INSTALLED child SA`);
    }
    const missing = diagnose(
      evidence(
        { o: 0, i5: 'a', i45: 'a', sa: 'connecting', conf: true },
        { o: 0, i5: 'a', i45: 'a', sa: 'none', conf: false },
      ),
    );
    expect(missing).toMatchObject({ cause: 'tunnel-missing' });
    expect(missing.advice).toMatch(/^h2 has neither an IPsec SA nor a configured connection for h1/);
    // The side that lacks it is named, whichever end of the pair it is.
    const missingHere = diagnose(
      evidence(
        { o: 0, i5: 'a', i45: 'a', sa: 'none', conf: false },
        { o: 0, i5: 'a', i45: 'a', sa: 'connecting', conf: true },
      ),
    );
    expect(missingHere.advice).toMatch(/^h1 has neither an IPsec SA nor a configured connection for h2/);
  });

  it('gives the same cause for both ordered pairs of a symmetric fault', () => {
    const a = diagnose(evidence({ ...healthy, i5: 't' }, healthy));
    const b = diagnose({
      from: host(H2),
      to: host(H1),
      forward: paths(H2, H1, healthy),
      reverse: paths(H1, H2, { ...healthy, i5: 't' }),
    });
    expect([a.cause, a.latent]).toEqual([b.cause, b.latent]);
  });

  describe('the edges of the newer causes', () => {
    // h1's outbound SA: 40 sent, h2 received 10 of them (forward ESP loss).
    const espFwd: Dir = { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', pk: [12, 40] };
    const espRev: Dir = { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', pk: [10, 12] };

    it('esp-blocked leads with the matched SA, the answering ports and the counters', () => {
      const v = diagnose(evidence(espFwd, espRev));
      expect(v.cause).toBe('esp-blocked');
      expect(v.evidence.slice(0, 2)).toEqual([
        'both agents hold the same INSTALLED child SA and IKE answers on UDP 500 and 4500, yet ESP does not arrive',
        'SA counters: 30 packets sent h1→h2 never arrived, 0 h2→h1',
      ]);
    });

    it('the counters lead says how far apart the two ends read, when they show it', () => {
      // h1 counted 3 packets in that h2 never counted out: the two windows were 3 packets apart.
      const v = diagnose(evidence({ ...espFwd, pk: [15, 40] }, espRev));
      expect(v).toMatchObject({ cause: 'esp-blocked', direction: 'forward' });
      expect(v.evidence[1]).toBe(
        "SA counters: 30 packets sent h1→h2 never arrived, 0 h2→h1 (the two ends' reads 3 packets apart)",
      );
    });

    it('an MTU black hole on matched SAs whose gaps name no direction leads without the counters', () => {
      // Forward gap 2: under the floor, so neither a direction nor the counters line.
      const v = diagnose(
        evidence(
          { ...healthy, spi: 'f', pk: [10, 12], mtu: [0, 2, 2, 2] },
          { ...healthy, spi: 'r', pk: [12, 10], mtu: [0, 2, 2, 2] },
        ),
      );
      expect(v).toMatchObject({ cause: 'mtu-blackhole', pmtu: 1300 });
      expect(v.direction).toBeUndefined();
      expect(v.evidence[0]).toBe('overlay packets up to 1300 bytes pass, larger ones are lost');
      expect(v.evidence.some((e) => e.startsWith('SA counters'))).toBe(false);
    });

    it('the counters lead gives both directions’ gaps', () => {
      // 30 lost h1→h2 and 5 h2→h1: six times as many one way, which names it.
      const v = diagnose(evidence(espFwd, { ...espRev, pk: [10, 17] }));
      expect(v).toMatchObject({ cause: 'esp-blocked', direction: 'forward' });
      expect(v.evidence[1]).toBe('SA counters: 30 packets sent h1→h2 never arrived, 5 h2→h1');
    });

    it('a gap no larger than the misalignment plus the floor names no direction', () => {
      // Forward gap 6, but h1 counted 3 more in than h2 counted out: 6 < 4 + 3.
      const v = diagnose(evidence({ ...espFwd, pk: [15, 16] }, espRev));
      expect(Object.keys(v)).not.toContain('direction');
      expect(v.evidence.some((e) => e.startsWith('SA counters'))).toBe(false);
      // The same gap on aligned reads names it.
      expect(diagnose(evidence({ ...espFwd, pk: [12, 16] }, espRev)).direction).toBe('forward');
    });

    it('esp-blocked needs IKE answers on both ports, from either side', () => {
      const without = (d: Dir, ...keys: (keyof Dir)[]): Dir =>
        Object.fromEntries(Object.entries(d).filter(([k]) => !keys.includes(k as keyof Dir))) as Dir;
      // One side's answer per port is enough.
      expect(diagnose(evidence(espFwd, without(espRev, 'i5', 'i45'))).cause).toBe('esp-blocked');
      expect(diagnose(evidence(without(espFwd, 'i45'), without(espRev, 'i5'))).cause).toBe('esp-blocked');
      // A port nobody measured proves nothing: the tunnel is down, cause unproven.
      for (const port of ['i5', 'i45'] as const) {
        expect(diagnose(evidence(without(espFwd, port), without(espRev, port))).cause).toBe('tunnel-down');
      }
    });

    it('an unmeasured overlay is never esp-blocked, tunnel-stale or an MTU black hole', () => {
      expect(diagnose(evidence({ ...espFwd, o: 'x' }, { ...espRev, o: 'x' })).cause).toBe('unknown');
      const base = { o: 'x', u: 3, i5: 'a', i45: 'a' } as const;
      expect(diagnose(evidence({ ...base, sa: 'est', spi: 'f' }, { ...base, sa: 'none' })).cause).toBe(
        'tunnel-down',
      );
      expect(
        diagnose(evidence({ ...base, sa: 'est', spi: 'f', age: 9 }, { ...base, sa: 'est', spi: 's', age: 5 }))
          .cause,
      ).toBe('unknown');
    });

    it('a remnant or mismatch is tunnel-stale only while IKE answers', () => {
      const silent = { o: 0, u: 3 } as const;
      expect(diagnose(evidence({ ...silent, sa: 'est', spi: 'f' }, { ...silent, sa: 'none' })).cause).toBe(
        'tunnel-down',
      );
      const mismatched = diagnose(
        evidence({ ...silent, sa: 'est', spi: 'f', age: 9 }, { ...silent, sa: 'est', spi: 's', age: 5 }),
      );
      expect(mismatched.cause).not.toBe('tunnel-stale');
    });

    it('names the side with the older IKE SA as stale, the forward side on a tie or without ages', () => {
      const base = { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est' } as const;
      const stale = (fAge?: number, rAge?: number) =>
        diagnose(
          evidence(
            { ...base, spi: 'f', ...(fAge !== undefined ? { age: fAge } : {}) },
            { ...base, spi: 's', ...(rAge !== undefined ? { age: rAge } : {}) },
          ),
        );
      expect(stale(900, 20).advice).toContain('on h1');
      expect(stale(20, 900).advice).toContain('on h2');
      expect(stale(300, 300).advice).toContain('on h1');
      expect(stale(undefined, 30).advice).toContain('on h2');
      expect(stale(30, undefined).advice).toContain('on h1');
      expect(stale(900, 20)).toMatchObject({ cause: 'tunnel-stale', state: 'down' });
      expect(stale(900, 20).evidence[0]).toBe(
        "both agents show an INSTALLED child SA but neither knows the other's SPIs; h1's SA is the older",
      );
    });

    it('tunnel-missing needs a side without an SA; an established SA with no listed connection is not a partial mesh', () => {
      const missing = diagnose(
        evidence(
          { o: 0, i5: 'a', i45: 'a', sa: 'connecting', conf: true },
          { o: 0, i5: 'a', i45: 'a', sa: 'none', conf: false },
        ),
      );
      expect(missing).toMatchObject({ cause: 'tunnel-missing', state: 'down' });
      expect(missing.evidence[0]).toBe('h2 has no IPsec SA and no connection configured for h1');
      const established = diagnose(
        evidence(
          { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'f', conf: false },
          { o: 0, u: 3, i5: 'a', i45: 'a', sa: 'est', spi: 'r', conf: true },
        ),
      );
      expect(established.cause).toBe('tunnel-down');
    });

    it('an MTU black hole: ladders must agree on the size; one measured ladder is enough; the lead says so', () => {
      const cut = diagnose(evidence({ ...healthy, mtu: [0, 2, 2, 2] }, { ...healthy, mtu: [0, 2, 2, 2] }));
      expect(cut.evidence[0]).toBe('overlay packets up to 1300 bytes pass, larger ones are lost');
      expect(cut.evidence).toContain(
        'sized overlay pings h1→h2: up to 1300 bytes answered, 1400 lost (ladder up to 1400)',
      );
      const twoLost = diagnose(evidence({ ...healthy, mtu: [0, 0, 2, 2] }, healthy));
      expect(twoLost).toMatchObject({ cause: 'mtu-blackhole', pmtu: 1200 });
      expect(twoLost.evidence).toContain(
        'sized overlay pings h1→h2: up to 1200 bytes answered, 1400/1300 lost (ladder up to 1400)',
      );
      // Only the reverse ladder measured.
      expect(diagnose(evidence(healthy, { ...healthy, mtu: [0, 2, 2, 2] }))).toMatchObject({
        cause: 'mtu-blackhole',
        pmtu: 1300,
      });
      // Cut at different sizes each way: not one threshold on the path.
      expect(
        diagnose(evidence({ ...healthy, mtu: [0, 2, 2, 2] }, { ...healthy, mtu: [0, 0, 2, 2] })).cause,
      ).toBe('ok');
    });

    it('a verdict carries pmtu and direction only when they are known', () => {
      const ok = diagnose(evidence(healthy, healthy));
      expect(Object.keys(ok)).not.toContain('pmtu');
      expect(Object.keys(ok)).not.toContain('direction');
      expect(Object.keys(ok)).not.toContain('latent');
    });

    it('udp-500-4500-blocked also names the dropped direction from the counters', () => {
      // The same forward ESP loss as above, with both IKE ports silent.
      const silent = { i5: 't', i45: 't' } as const;
      const v = diagnose(evidence({ ...espFwd, ...silent }, { ...espRev, ...silent }));
      expect(v).toMatchObject({ cause: 'udp-500-4500-blocked', direction: 'forward' });
      expect(v.evidence[0]).toBe('SA counters: 30 packets sent h1→h2 never arrived, 0 h2→h1');
    });

    it('a registration finding with its addresses reaches the advice', () => {
      const e = evidence(healthy, healthy);
      e.to = {
        ...e.to,
        findings: [
          {
            code: 'agent-ip-misconfigured',
            message: 'registered as 203.0.113.9',
            addresses: { registered: '203.0.113.9' as Ipv4, real: '198.18.0.12' as Ipv4, dialedByPeers: [] },
          },
        ],
      };
      const v = diagnose(e);
      expect(v).toMatchObject({ cause: 'agent-ip-misconfigured', state: 'degraded' });
      expect(v.advice).toContain('Re-register the Rancher agent on h2 as 198.18.0.12');
    });
  });
});
