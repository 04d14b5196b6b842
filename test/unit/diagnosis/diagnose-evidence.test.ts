import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import { directionFacts } from '../../../shared/diagnosis/path-facts.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { HostResult, PathResult } from '../../../shared/domain/sweep-report.js';
import { IKE_DAEMON_UNREACHABLE } from '../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';

// The evidence list is what an operator reads under a verdict (matrix page, alert event): pinned
// phrase by phrase, for every kind of fact a probe can contribute.
const h1: HostResult = {
  name: 'h1' as HostName,
  state: 'up',
  agent: { containerId: 'c1', overlayIp: '100.64.1.2' as Ipv4 },
};
const h2: HostResult = { ...h1, name: 'h2' as HostName };
const fwd = (o: Partial<PathResult> & Pick<PathResult, 'probe'>): PathResult => ({
  from: h1.name,
  to: h2.name,
  state: 'up',
  sent: 3,
  received: 3,
  lossRatio: 0,
  rttMs: null,
  ...o,
});
const rev = (o: Partial<PathResult> & Pick<PathResult, 'probe'>): PathResult =>
  fwd({ from: h2.name, to: h1.name, ...o });
const unmeasured = { state: 'unknown' as const, sent: 0, received: 0 };

describe('diagnose: the evidence it cites', () => {
  it('cites every probe of both directions, measured or not, after the rule that decided', () => {
    const verdict = diagnose({
      from: h1,
      to: h2,
      forward: [
        fwd({ probe: 'overlay-icmp', ...unmeasured, error: 'exec failed' }),
        fwd({ probe: 'underlay-icmp', received: 2, state: 'degraded' }),
        fwd({
          probe: 'ike-udp500',
          sent: 1,
          received: 1,
          rttMs: { min: 1.5, avg: 1.5, max: 1.5 },
          ike: { outcome: 'answered', response: 'COOKIE' },
        }),
        fwd({ probe: 'ike-udp4500', sent: 1, received: 0, state: 'down', ike: { outcome: 'refused' } }),
        fwd({ probe: 'ipsec-sa', sent: 0, received: 0, sa: { ikeState: 'ESTABLISHED', childState: null } }),
      ],
      reverse: [
        rev({ probe: 'overlay-icmp', ...unmeasured }),
        rev({ probe: 'ike-udp500', ...unmeasured, error: 'sidecar failed' }),
        rev({ probe: 'ike-udp4500', ...unmeasured }),
        rev({ probe: 'ipsec-sa', ...unmeasured, error: 'batch lost' }),
      ],
    });
    expect(verdict).toEqual({
      from: 'h1',
      to: 'h2',
      state: 'degraded',
      cause: 'packet-loss',
      advice:
        'Packets between h1 and h2 are being lost: check the underlay links, NICs and firewalls on the path for drops or rate limits.',
      evidence: [
        'the underlay between the hosts loses packets, so lost probes do not prove a block',
        'overlay ping h1→h2 not measured (exec failed)',
        'underlay ping h1→h2: 2/3 replies',
        'IKE UDP 500 h1→h2: answered (COOKIE, 1.5 ms)',
        'IKE UDP 4500 h1→h2: refused (ICMP port unreachable)',
        'IPsec SA h1→h2: IKE ESTABLISHED, CHILD none',
        'overlay ping h2→h1 not measured',
        'IKE UDP 500 h2→h1 not measured (sidecar failed)',
        'IKE UDP 4500 h2→h1 not measured',
        'IPsec SA h2→h1 not read (batch lost)',
      ],
    });
  });

  it('cites SA states, an answer without RTT or response name, and a dead daemon by host', () => {
    const verdict = diagnose({
      from: h1,
      to: h2,
      forward: [
        fwd({ probe: 'overlay-icmp', received: 0, state: 'down' }),
        fwd({ probe: 'ike-udp500', sent: 1, received: 1, ike: { outcome: 'answered' } }),
        fwd({ probe: 'ike-udp4500', sent: 1, received: 0, state: 'down', ike: { outcome: 'timeout' } }),
        fwd({
          probe: 'ipsec-sa',
          sent: 0,
          received: 0,
          state: 'down',
          sa: { ikeState: 'CONNECTING', childState: null },
        }),
      ],
      reverse: [
        rev({ probe: 'overlay-icmp', received: 0, state: 'down' }),
        rev({
          probe: 'ipsec-sa',
          sent: 0,
          received: 0,
          state: 'down',
          sa: { ikeState: null, childState: null },
        }),
      ],
    });
    expect(verdict.cause).toBe('udp-4500-blocked');
    expect(verdict.evidence).toEqual([
      'overlay ping h1→h2: 0/3 replies',
      'IKE UDP 500 h1→h2: answered (IKE)',
      'IKE UDP 4500 h1→h2: no answer (timeout)',
      'IPsec SA h1→h2: IKE CONNECTING, CHILD none',
      'overlay ping h2→h1: 0/3 replies',
      'IPsec SA h2→h1: no IKE SA',
    ]);
    const dead = diagnose({
      from: h1,
      to: h2,
      forward: [
        fwd({
          probe: 'ipsec-sa',
          sent: 0,
          received: 0,
          state: 'unknown',
          sa: { ikeState: null, childState: null, daemon: 'unreachable' },
        }),
      ],
      reverse: [],
    });
    expect(dead.evidence).toEqual([
      "the IKE daemon in h1's IPsec agent does not answer",
      `IPsec SA h1→h2: ${IKE_DAEMON_UNREACHABLE} in h1`,
    ]);
    expect(dead.advice).toContain('on h1');
  });

  it('leads with the host finding, naming the host, and the host summary when it cannot measure', () => {
    const misconfigured = diagnose({
      from: h1,
      to: { ...h2, findings: [{ code: 'agent-ip-misconfigured', message: 'advertises 10.0.0.9' }] },
      forward: [fwd({ probe: 'overlay-icmp', ...unmeasured })],
      reverse: [],
    });
    expect(misconfigured).toMatchObject({
      state: 'unknown',
      cause: 'agent-ip-misconfigured',
      evidence: ['h2: advertises 10.0.0.9', 'overlay ping h1→h2 not measured'],
    });
    expect(misconfigured.advice).toMatch(/\bh2\b/);
    const summary = (to: HostResult) => diagnose({ from: h1, to, forward: [], reverse: [] }).evidence;
    expect(summary({ ...h2, state: 'down', agent: null, error: 'no agent here' })).toEqual([
      'h2: no agent here',
    ]);
    expect(summary({ ...h2, state: 'down', agent: null })).toEqual(['h2: no agent to probe from']);
    expect(summary({ ...h2, state: 'unknown' })).toEqual(['h2: state unknown']);
    const missing = diagnose({
      from: {
        ...h1,
        state: 'down',
        agent: null,
        findings: [{ code: 'agent-missing', message: 'no agent container' }],
      },
      to: h2,
      forward: [],
      reverse: [],
    });
    expect(missing).toMatchObject({
      cause: 'agent-missing',
      state: 'down',
      evidence: ['h1: no agent container'],
    });
    expect(missing.advice).toContain('on h1');
  });

  it('names the host whose IKE daemon is dead, whichever side saw it', () => {
    const refused = { sent: 1, received: 0, state: 'down' as const, ike: { outcome: 'refused' as const } };
    const daemonDown = {
      probe: 'ipsec-sa' as const,
      ...unmeasured,
      sa: { ikeState: null, childState: null, daemon: 'unreachable' as const },
    };
    const lead = (forward: PathResult[], reverse: PathResult[]) =>
      diagnose({ from: h1, to: h2, forward, reverse }).evidence[0];
    expect(lead([], [rev(daemonDown)])).toBe("the IKE daemon in h2's IPsec agent does not answer");
    expect(
      lead([fwd({ probe: 'ike-udp500', ...refused }), fwd({ probe: 'ike-udp4500', ...refused })], []),
    ).toBe("the IKE daemon in h2's IPsec agent does not answer");
    expect(
      lead([], [rev({ probe: 'ike-udp500', ...refused }), rev({ probe: 'ike-udp4500', ...refused })]),
    ).toBe("the IKE daemon in h1's IPsec agent does not answer");
    // One refused port is a firewall's answer, not a dead daemon.
    expect(
      lead(
        [
          fwd({ probe: 'ike-udp500', ...refused }),
          fwd({ probe: 'ike-udp4500', sent: 1, received: 1, ike: { outcome: 'answered' } }),
        ],
        [],
      ),
    ).not.toMatch(/IKE daemon/);
  });

  it('says why a verdict is what it is, in the lead phrase', () => {
    const up = { probe: 'overlay-icmp' as const };
    const timeout = { sent: 1, received: 0, state: 'down' as const, ike: { outcome: 'timeout' as const } };
    const answered = { sent: 1, received: 1, ike: { outcome: 'answered' as const } };
    const latent = diagnose({
      from: h1,
      to: h2,
      forward: [fwd(up), fwd({ probe: 'ike-udp500', ...timeout })],
      reverse: [rev(up)],
    });
    expect(latent.evidence[0]).toBe(
      'traffic still flows over the existing SA, but a new IKE negotiation (agent restart, DPD timeout) will fail',
    );
    const lost4500 = diagnose({
      from: h1,
      to: h2,
      forward: [
        fwd(up),
        fwd({ probe: 'ike-udp500', ...answered }),
        fwd({ probe: 'ike-udp4500', ...timeout }),
      ],
      reverse: [rev(up)],
    });
    expect([lost4500.cause, lost4500.evidence[0]]).toEqual([
      'packet-loss',
      'an IKE probe on UDP 4500 was lost while ESP on 4500 works',
    ]);
    const unmeasuredOverlay = diagnose({
      from: h1,
      to: h2,
      forward: [fwd({ probe: 'overlay-icmp', ...unmeasured }), fwd({ probe: 'ike-udp500', ...answered })],
      reverse: [],
    });
    expect([unmeasuredOverlay.cause, unmeasuredOverlay.evidence[0]]).toEqual([
      'unknown',
      'the overlay ping could not be measured',
    ]);
  });

  it('treats a path marked unknown as not measured whatever its counters, and one that sent nothing too', () => {
    const verdict = diagnose({
      from: h1,
      to: h2,
      forward: [fwd({ probe: 'overlay-icmp', state: 'unknown', received: 0 })],
      reverse: [rev({ probe: 'overlay-icmp', state: 'down', sent: 0, received: 0 })],
    });
    expect(verdict).toMatchObject({ cause: 'unknown', state: 'unknown' });
    expect(verdict.evidence).toContain('overlay ping h1→h2 not measured');
    expect(verdict.evidence).toContain('overlay ping h2→h1 not measured');
    const underlay = diagnose({
      from: h1,
      to: h2,
      forward: [
        fwd({ probe: 'overlay-icmp' }),
        fwd({ probe: 'underlay-icmp', state: 'unknown', received: 0 }),
      ],
      reverse: [
        rev({
          probe: 'ipsec-sa',
          state: 'unknown',
          sent: 0,
          received: 0,
          sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' },
        }),
      ],
    });
    expect(underlay.evidence).toEqual([
      'overlay ping h1→h2: 3/3 replies',
      'underlay ping h1→h2 not measured',
      'IPsec SA h2→h1 not read',
    ]);
  });

  it('leads with the finding of whichever host has it, and names that host', () => {
    const misconfigured = diagnose({
      from: { ...h1, findings: [{ code: 'agent-ip-misconfigured', message: 'advertises 10.0.0.9' }] },
      to: h2,
      forward: [fwd({ probe: 'overlay-icmp' })],
      reverse: [rev({ probe: 'overlay-icmp' })],
    });
    expect(misconfigured).toMatchObject({ cause: 'agent-ip-misconfigured', state: 'degraded' });
    expect(misconfigured.evidence[0]).toBe('h1: advertises 10.0.0.9');
    expect(misconfigured.advice).toMatch(/\bh1\b/);
    for (const code of ['agent-multiple', 'agent-ip-invalid'] as const) {
      const v = diagnose({
        from: h1,
        to: { ...h2, state: 'down', agent: null, findings: [{ code, message: `${code} here` }] },
        forward: [],
        reverse: [],
      });
      expect([v.cause, v.state, v.evidence]).toEqual(['unknown', 'unknown', [`h2: ${code} here`]]);
    }
    expect(diagnose({ from: { ...h1, agent: null }, to: h2, forward: [], reverse: [] }).evidence).toEqual([
      'h1: no agent to probe from',
    ]);
    expect(diagnose({ from: h1, to: { ...h2, state: 'down' }, forward: [], reverse: [] })).toMatchObject({
      cause: 'unknown',
      state: 'unknown',
      evidence: ['h2: state down'],
    });
  });

  it('reduces a direction to its facts: unknown for what is missing or unmeasured', () => {
    expect(directionFacts([])).toMatchObject({
      overlay: 'unknown',
      underlay: 'unknown',
      ike500: 'unknown',
      ike4500: 'unknown',
      sa: 'unknown',
      saDetail: null,
      mtu: null,
      phrases: [],
    });
    const facts = directionFacts([
      fwd({ probe: 'overlay-icmp', ...unmeasured }),
      fwd({ probe: 'underlay-icmp', received: 1 }),
      fwd({ probe: 'ike-udp500', ...unmeasured }),
      fwd({ probe: 'ike-udp4500', sent: 1, received: 1, ike: { outcome: 'answered' } }),
      fwd({ probe: 'ipsec-sa', ...unmeasured, sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED' } }),
    ]);
    expect([facts.overlay, facts.underlay, facts.ike500, facts.ike4500, facts.sa]).toEqual([
      'unknown',
      'lossy',
      'unknown',
      'answered',
      'unknown',
    ]);
    const sa = (ikeState: string | null, childState: string | null) =>
      directionFacts([fwd({ probe: 'ipsec-sa', sent: 0, received: 0, sa: { ikeState, childState } })]).sa;
    expect([
      sa('ESTABLISHED', 'INSTALLED'),
      sa('ESTABLISHED', 'REKEYING'),
      sa('CONNECTING', null),
      sa(null, null),
    ]).toEqual(['established', 'partial', 'negotiating', 'none']);
  });
});

describe('the MTU ladder and SA detail, as facts and phrases', () => {
  const ladder = (received: Record<number, number>, sent = 2) => {
    const rungs = [1400, 1300, 1200, 1000].map((bytes) => ({ bytes, sent, received: received[bytes] ?? 0 }));
    const passing = rungs.filter((r) => r.received > 0).map((r) => r.bytes);
    return fwd({
      probe: 'overlay-mtu',
      mtu: { pmtu: passing.length > 0 ? Math.max(...passing) : null, ceiling: 1400, ladder: rungs },
    });
  };

  it('every rung answered: no cut, the ceiling said as a lower bound', () => {
    const facts = directionFacts([ladder({ 1400: 2, 1300: 2, 1200: 2, 1000: 2 })]);
    expect(facts.mtu).toEqual({ pmtu: 1400, cut: false });
    expect(facts.phrases).toEqual(['pmtu h1→h2: at least 1400 bytes (every sized ping answered)']);
  });

  it('rungs up to a size answered in full and every larger rung lost: a cut, with the sizes named', () => {
    const facts = directionFacts([ladder({ 1300: 2, 1200: 2, 1000: 2 })]);
    expect(facts.mtu).toEqual({ pmtu: 1300, cut: true });
    expect(facts.phrases).toEqual([
      'sized overlay pings h1→h2: up to 1300 bytes answered, 1400 lost (ladder up to 1400)',
    ]);
  });

  it('a rung below the largest answer that lost a ping is loss, not a cut', () => {
    expect(directionFacts([ladder({ 1300: 2, 1200: 1, 1000: 2 })]).mtu).toEqual({ pmtu: 1300, cut: false });
    // A larger rung answered at all is no cut either (pmtu is the largest that answered).
    expect(directionFacts([ladder({ 1400: 1, 1300: 2, 1200: 2, 1000: 2 })]).mtu?.cut).toBe(false);
  });

  it('a rung that sent nothing proves nothing: no cut', () => {
    const path = ladder({ 1300: 2, 1200: 2, 1000: 2 });
    path.mtu!.ladder[3] = { bytes: 1000, sent: 0, received: 0 };
    expect(directionFacts([path]).mtu?.cut).toBe(false);
  });

  it('nothing answered: no path MTU, the sizes named', () => {
    const facts = directionFacts([ladder({})]);
    expect(facts.mtu).toEqual({ pmtu: null, cut: false });
    expect(facts.phrases).toEqual(['sized overlay pings h1→h2: none of 1400/1300/1200/1000 bytes answered']);
  });

  it('an unmeasured ladder, or none, is no fact', () => {
    expect(directionFacts([{ ...ladder({ 1300: 2 }), ...unmeasured }]).mtu).toBeNull();
    expect(directionFacts([fwd({ probe: 'overlay-mtu' })]).mtu).toBeNull();
    expect(directionFacts([]).mtu).toBeNull();
  });

  it('keeps the SA detail only from a measured SA path', () => {
    const sa = { ikeState: 'ESTABLISHED', childState: 'INSTALLED', spiIn: 'a', spiOut: 'b' };
    expect(directionFacts([fwd({ probe: 'ipsec-sa', sa })]).saDetail).toEqual(sa);
    expect(directionFacts([fwd({ probe: 'ipsec-sa', sa, ...unmeasured })]).saDetail).toBeNull();
    expect(directionFacts([fwd({ probe: 'ipsec-sa' })]).saDetail).toBeNull();
  });
});
