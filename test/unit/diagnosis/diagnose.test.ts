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
}

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
      sa,
      ...(d.sa === 'daemon-down' ? { error: `${IKE_DAEMON_UNREACHABLE}: refused` } : {}),
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
    expect(v.evidence[0]).toBe("the IKE daemon in h1's Network Agent does not answer");
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
});
