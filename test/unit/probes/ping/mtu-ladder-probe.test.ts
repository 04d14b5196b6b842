import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { AgentProbeContext, JobOutput } from '../../../../shared/probes/agent-probe.js';
import { rejectJob } from '../../../../shared/probes/exec-batch.js';
import { MTU_LADDER, mtuLadderProbe } from '../../../../shared/probes/ping/mtu-ladder-probe.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ping/${name}.txt`, import.meta.url), 'utf8');
const ctx: AgentProbeContext = {
  self: 'h1' as HostName,
  agent: { containerId: 'c1', overlayIp: '100.64.1.2' as Ipv4 },
  peers: [
    { name: 'h2' as HostName, overlayIp: '100.64.2.2' as Ipv4, underlayIp: '198.18.0.12' as Ipv4 },
    { name: 'h3' as HostName, overlayIp: null, underlayIp: '198.18.0.13' as Ipv4 },
  ],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
};

function twoPings(output: string): string {
  return output
    .split('\n')
    .filter((line) => !line.includes('seq=2'))
    .join('\n')
    .replace(
      /^3 packets transmitted, 3 packets received, 0% packet loss/m,
      '2 packets transmitted, 2 packets received, 0% packet loss',
    )
    .replace(/^3 packets transmitted, 0 packets received/m, '2 packets transmitted, 0 packets received');
}

describe('the MTU ladder', () => {
  it('asks for a few sized pings per peer with an overlay IP, payload = packet size − 28, all valid batch jobs', () => {
    const jobs = mtuLadderProbe.jobs(ctx);
    expect(jobs.map((j) => j.args[3])).toEqual(MTU_LADDER.map((b) => String(b - 28)));
    expect(jobs.every((j) => j.op === 'ping-sized' && j.args[4] === '100.64.2.2')).toBe(true);
    expect(jobs.map(rejectJob)).toEqual(jobs.map(() => null));
    expect(rejectJob({ id: 'x', op: 'ping-sized', args: ['2', '0.2', '1', '99999', '100.64.2.2'] })).toMatch(
      /argument 4/,
    );
  });

  it('reports the largest size that passed as pmtu, the ladder, and the path state', () => {
    // Each rung asks for MTU_PINGS_PER_RUNG (2) pings: the fixtures cut to two.
    const ok = twoPings(fixture('busybox-ok'));
    const lost = twoPings(fixture('busybox-total-loss'));
    const outputs = new Map<string, JobOutput>(
      mtuLadderProbe
        .jobs(ctx)
        .map((j) => [j.id, { exitCode: 0, output: Number(j.args[3]) > 1250 ? lost : ok }]),
    );
    const [path] = mtuLadderProbe.parse(ctx, outputs, null);
    expect(path).toMatchObject({
      probe: 'overlay-mtu',
      to: 'h2',
      state: 'degraded',
      mtu: { pmtu: 1200, ceiling: 1400 },
    });
    expect(path!.mtu!.ladder.map((r) => [r.bytes, r.received > 0])).toEqual([
      [1400, false],
      [1300, false],
      [1200, true],
      [1000, true],
    ]);
    // A rung the batch did not finish makes the whole ladder unknown, not a black hole.
    outputs.delete(mtuLadderProbe.jobs(ctx)[0]!.id);
    expect(mtuLadderProbe.parse(ctx, outputs, null)[0]).toMatchObject({ state: 'unknown' });
  });

  it('refuses a rung whose statistics claim more pings than it asked for (the path is unknown, never up)', () => {
    const ok = twoPings(fixture('busybox-ok'));
    const outputs = new Map<string, JobOutput>(
      mtuLadderProbe.jobs(ctx).map((j) => [j.id, { exitCode: 0, output: ok }]),
    );
    expect(mtuLadderProbe.parse(ctx, outputs, null)[0]).toMatchObject({ state: 'up', sent: 8, received: 8 });
    const [first] = mtuLadderProbe.jobs(ctx);
    outputs.set(first!.id, { exitCode: 0, output: fixture('busybox-ok') });
    expect(mtuLadderProbe.parse(ctx, outputs, null)[0]).toMatchObject({
      state: 'unknown',
      error: expect.stringMatching(/claim 3 packets sent, but 2 were asked for/),
    });
  });
});

describe('the MTU ladder’s path figures', () => {
  const rung = (received: number) =>
    [
      'PING 100.64.2.2 (100.64.2.2): 1372 data bytes',
      ...Array.from(
        { length: received },
        (_, i) => `1380 bytes from 100.64.2.2: seq=${i} ttl=64 time=0.5 ms`,
      ),
      '',
      '--- 100.64.2.2 ping statistics ---',
      `2 packets transmitted, ${received} packets received, ${100 - 50 * received}% packet loss`,
    ].join('\n');
  const ladder = (received: [number, number, number, number]) =>
    new Map<string, JobOutput>(
      mtuLadderProbe.jobs(ctx).map((j, i) => [j.id, { exitCode: 0, output: rung(received[i]!) }]),
    );

  it('is the overlay-mtu probe', () => {
    expect(mtuLadderProbe.kinds).toEqual(['overlay-mtu']);
  });

  it('counts every sized ping: loss ratio and state over the whole ladder', () => {
    expect(mtuLadderProbe.parse(ctx, ladder([2, 2, 2, 2]), null)).toEqual([
      expect.objectContaining({ to: 'h2', state: 'up', sent: 8, received: 8, lossRatio: 0 }),
    ]);
    expect(mtuLadderProbe.parse(ctx, ladder([0, 1, 2, 2]), null)[0]).toMatchObject({
      state: 'degraded',
      sent: 8,
      received: 5,
      lossRatio: 0.375,
      mtu: { pmtu: 1300 },
    });
    expect(mtuLadderProbe.parse(ctx, ladder([0, 0, 0, 0]), null)[0]).toMatchObject({
      state: 'down',
      received: 0,
      lossRatio: 1,
      mtu: { pmtu: null },
    });
  });

  it('a peer without an overlay address has no ladder; a rung the batch lost is the batch’s reason', () => {
    expect(mtuLadderProbe.jobs(ctx).every((j) => j.args[4] === '100.64.2.2')).toBe(true);
    expect(mtuLadderProbe.parse(ctx, ladder([2, 2, 2, 2]), null).map((p) => p.to)).toEqual(['h2']);
    const outputs = ladder([2, 2, 2, 2]);
    outputs.delete(mtuLadderProbe.jobs(ctx)[2]!.id);
    expect(mtuLadderProbe.parse(ctx, outputs, 'the exec timed out')[0]).toMatchObject({
      probe: 'overlay-mtu',
      state: 'unknown',
      error: 'the exec timed out',
    });
    expect(mtuLadderProbe.parse(ctx, outputs, null)[0]).toMatchObject({
      probe: 'overlay-mtu',
      error: 'the probe batch did not finish the sized pings',
    });
  });

  it('a rung ping could not send (no route) is lost, not unknown', () => {
    const outputs = ladder([2, 2, 2, 2]);
    outputs.set(mtuLadderProbe.jobs(ctx)[0]!.id, {
      exitCode: 1,
      output: 'ping: sendto: Network is unreachable\n',
    });
    expect(mtuLadderProbe.parse(ctx, outputs, null)[0]).toMatchObject({
      state: 'degraded',
      sent: 8,
      received: 6,
    });
  });
});
