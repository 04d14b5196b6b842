import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { AgentProbeContext, JobOutput } from '../../../../shared/probes/agent-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../../../shared/probes/ping/ping-exec-probe.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ping/${name}.txt`, import.meta.url), 'utf8');
const ctx: AgentProbeContext = {
  self: 'h1' as HostName,
  agent: { containerId: 'c1', overlayIp: '100.64.1.2' as Ipv4 },
  peers: [
    { name: 'h2' as HostName, overlayIp: '100.64.2.2' as Ipv4, underlayIp: '198.18.0.12' as Ipv4 },
    { name: 'h3' as HostName, overlayIp: '100.64.3.2' as Ipv4, underlayIp: null },
    { name: 'h4' as HostName, overlayIp: null, underlayIp: '198.18.0.14' as Ipv4 },
  ],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
};

describe('overlay-icmp and underlay-icmp', () => {
  it('ask for one ping job per peer with a known target', () => {
    expect(overlayIcmpProbe.jobs(ctx)).toEqual([
      { id: 'ov-0', op: 'ping', args: ['3', '0.2', '1', '100.64.2.2'] },
      { id: 'ov-1', op: 'ping', args: ['3', '0.2', '1', '100.64.3.2'] },
    ]);
    expect(underlayIcmpProbe.jobs(ctx)).toEqual([
      { id: 'ul-0', op: 'ping', args: ['3', '0.2', '1', '198.18.0.12'] },
      { id: 'ul-2', op: 'ping', args: ['3', '0.2', '1', '198.18.0.14'] },
    ]);
  });

  it('map ping outcomes to up / degraded / down / unknown', () => {
    const out = (name: string, exitCode = 0): JobOutput => ({ exitCode, output: fixture(name) });
    const cases: [JobOutput | undefined, object][] = [
      [
        out('busybox-ok'),
        { state: 'up', sent: 3, received: 3, lossRatio: 0, rttMs: { min: 0.063, avg: 0.078, max: 0.105 } },
      ],
      [out('busybox-partial-loss', 1), { state: 'degraded', sent: 6, received: 3, lossRatio: 0.5 }],
      [out('iputils-total-loss', 1), { state: 'down', sent: 3, received: 0, lossRatio: 1, rttMs: null }],
      [
        out('busybox-network-unreachable', 1),
        { state: 'down', sent: 3, received: 0, lossRatio: 1, error: 'Network is unreachable' },
      ],
      [
        { exitCode: 127, output: 'sh: ping: not found' },
        { state: 'unknown', error: 'ping is not installed in the agent container' },
      ],
      [
        { exitCode: 143, output: 'PING 100.64.2.2 (100.64.2.2): 56 data bytes' },
        { state: 'unknown', error: 'ping was stopped at the sweep deadline' },
      ],
      [out('garbage', 0), { state: 'unknown' }],
      [undefined, { state: 'unknown', error: 'the probe batch did not finish this ping' }],
    ];
    for (const [job, expected] of cases) {
      const outputs = new Map(job ? [['ov-0', job]] : []);
      // Each capture was a run of `sent` packets (the partial-loss one 6): ask for that many, as the
      // batch would, since more sent than asked is refused.
      const pingCount = (expected as { sent?: number }).sent ?? 3;
      const [first] = overlayIcmpProbe.parse({ ...ctx, timing: { ...ctx.timing, pingCount } }, outputs, null);
      expect(first).toMatchObject({
        from: 'h1',
        to: 'h2',
        probe: 'overlay-icmp',
        target: '100.64.2.2',
        ...expected,
      });
    }
  });

  it('give a job the batch lost the batch’s own reason', () => {
    const [first] = overlayIcmpProbe.parse(ctx, new Map(), 'the agent cannot run sh (exit 127)');
    expect(first).toMatchObject({ to: 'h2', state: 'unknown', error: 'the agent cannot run sh (exit 127)' });
  });

  it('skip peers without a target instead of inventing a path', () => {
    expect(overlayIcmpProbe.parse(ctx, new Map(), null).map((p) => p.to)).toEqual(['h2', 'h3']);
    expect(underlayIcmpProbe.parse(ctx, new Map(), null).map((p) => p.to)).toEqual(['h2', 'h4']);
  });
});
