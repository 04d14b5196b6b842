import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { AgentProbeContext } from '../../../../shared/probes/agent-probe.js';
import {
  DEFAULT_IKE_PROBE_IMAGE,
  IKE_PROBE_IMAGE,
  ikeAgentProbe,
} from '../../../../shared/probes/ike/ike-agent-probe.js';
import { ikePathResult } from '../../../../shared/probes/ike/ike-path-result.js';
import type { DockerHostClient, SidecarSpec } from '../../../../shared/transport/docker-host-client.js';

const hex = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ike/${name}.hex`, import.meta.url), 'utf8').trim();
const ip = (s: string) => s as Ipv4;
const host = (s: string) => s as HostName;

const ctx: AgentProbeContext = {
  self: host('h1'),
  agent: { containerId: 'agent-h1', overlayIp: ip('100.64.1.2') },
  peers: [
    { name: host('h2'), underlayIp: ip('198.18.0.12'), overlayIp: ip('100.64.2.2') },
    { name: host('h3'), underlayIp: ip('198.18.0.13'), overlayIp: ip('100.64.3.2') },
    { name: host('h4'), underlayIp: null, overlayIp: ip('100.64.4.2') },
  ],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 750 },
};

/** A fake host: answers h2 like charon does (INVALID_KE_PAYLOAD echoing our SPI), refuses h3:500, drops h3:4500. */
function fakeClient() {
  const calls = { sidecars: [] as SidecarSpec[], images: [] as string[] };
  const invalidKe = hex('udp500-invalid-ke.reply');
  const client = {
    async ensureImage(image: string) {
      calls.images.push(image);
    },
    async runSidecar(spec: SidecarSpec) {
      calls.sidecars.push(spec);
      const lines: string[] = [];
      for (let i = 2; i + 3 < spec.argv.length; i += 4) {
        const [id, target, port, request] = spec.argv.slice(i, i + 4) as [string, string, string, string];
        const body = port === '4500' ? request.slice(8) : request;
        const reply = (port === '4500' ? '00000000' : '') + body.slice(0, 16) + invalidKe.slice(16);
        if (target === '198.18.0.12') lines.push(`${id} answered 812 ${reply}`);
        else if (port === '500') lines.push(`${id} refused 300`);
        else lines.push(`${id} timeout`);
      }
      return { exitCode: 0, stdout: `${lines.join('\n')}\n`, stderr: '' };
    },
  } as unknown as DockerHostClient;
  return { client, calls };
}

describe('ikeAgentProbe', () => {
  it('runs ONE sidecar in the agent’s network namespace probing every peer on both ports', async () => {
    const { client, calls } = fakeClient();
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.run(ctx, client, new AbortController().signal);
    expect(calls.images).toEqual([IKE_PROBE_IMAGE]);
    expect(calls.sidecars).toHaveLength(1);
    const spec = calls.sidecars[0]!;
    expect(spec).toMatchObject({ image: IKE_PROBE_IMAGE, networkOfContainer: 'agent-h1' });
    expect(spec.argv.slice(0, 2)).toEqual(['/ike-probe', '750']);
    const targets = spec.argv.slice(2);
    expect(targets.length).toBe(4 * 4); // h2 and h3, two ports each; h4 has no address
    expect(targets.filter((_, i) => i % 4 === 2)).toEqual(['500', '4500', '500', '4500']);
    expect(targets.filter((_, i) => i % 4 === 3).every((h) => /^[0-9a-f]+$/.test(h))).toBe(true);
    const marker = targets[7]!;
    expect(marker.startsWith('00000000')).toBe(true);
  });

  it('turns the sidecar’s lines into ike-udp500 / ike-udp4500 paths', async () => {
    const { client } = fakeClient();
    const paths = await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(ctx, client, new AbortController().signal);
    const brief = paths.map((p) => [
      p.to,
      p.probe,
      p.state,
      p.sent,
      p.received,
      p.ike?.outcome ?? null,
      p.ike?.response ?? null,
    ]);
    expect(brief).toEqual([
      ['h2', 'ike-udp500', 'up', 1, 1, 'answered', 'INVALID_KE_PAYLOAD'],
      ['h2', 'ike-udp4500', 'up', 1, 1, 'answered', 'INVALID_KE_PAYLOAD'],
      ['h3', 'ike-udp500', 'down', 1, 0, 'refused', null],
      ['h3', 'ike-udp4500', 'down', 1, 0, 'timeout', null],
      ['h4', 'ike-udp500', 'unknown', 0, 0, null, null],
      ['h4', 'ike-udp4500', 'unknown', 0, 0, null, null],
    ]);
    expect(paths[0]!.rttMs).toEqual({ min: 0.81, avg: 0.81, max: 0.81 });
  });

  it('starts no sidecar when no peer has an address', async () => {
    const { client, calls } = fakeClient();
    const lonely = { ...ctx, peers: [ctx.peers[2]!] };
    const paths = await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      lonely,
      client,
      new AbortController().signal,
    );
    expect(calls.sidecars).toHaveLength(0);
    expect(paths.every((p) => p.state === 'unknown')).toBe(true);
  });
});

describe('ikeAgentProbe within a sweep budget', () => {
  it('sizes the sidecar deadline and the reply wait to the budget left', async () => {
    const { client, calls } = fakeClient();
    await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, timing: { ...ctx.timing, ikeTimeoutMs: 3000 }, budgetMs: 2500 },
      client,
      new AbortController().signal,
    );
    const spec = calls.sidecars[0]!;
    expect(spec.deadlineMs).toBeLessThanOrEqual(2500);
    expect(spec.deadlineMs).toBeGreaterThan(2000);
    // The reply wait leaves the sidecar time to start and report instead of being cut off silent.
    expect(Number(spec.argv[1])).toBeLessThanOrEqual(spec.deadlineMs - 1000);
  });

  it('keeps the configured wait when the budget is ample', async () => {
    const { client, calls } = fakeClient();
    await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, budgetMs: 60_000 },
      client,
      new AbortController().signal,
    );
    expect(calls.sidecars[0]!.argv[1]).toBe('750');
    expect(calls.sidecars[0]!.deadlineMs).toBe(750 + 5000);
  });

  it('starts no sidecar when the budget is spent', async () => {
    const { client, calls } = fakeClient();
    const run = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, budgetMs: 100 },
      client,
      new AbortController().signal,
    );
    await expect(run).rejects.toThrow(/no time left in the sweep budget/);
    expect(calls.sidecars).toHaveLength(0);
  });
});

describe('ikePathResult', () => {
  const spi = Uint8Array.from(Buffer.from(hex('udp500-invalid-ke.spi'), 'hex'));
  const run = (fields: string[] | undefined) =>
    ikePathResult(host('h1'), host('h2'), 500, ip('198.18.0.12'), spi, fields);

  it('answered with a reply to someone else’s SPI is not counted as an answer', () => {
    const other = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
    const p = ikePathResult(host('h1'), host('h2'), 500, ip('198.18.0.12'), other, [
      'answered',
      '500',
      hex('udp500-invalid-ke.reply'),
    ]);
    expect(p).toMatchObject({ state: 'unknown', ike: { outcome: 'error' } });
  });

  it.each([
    [undefined, 'unknown', /did not report/],
    [['error', 'socket'], 'unknown', /could not run/],
    [['answered', '12', 'zz'], 'unknown', /not with IKE/],
    [['refused', '100'], 'down', /ICMP port unreachable/],
  ])('%j → %s', (fields, state, error) => {
    const p = run(fields as string[] | undefined);
    expect(p.state).toBe(state);
    expect(p.error).toMatch(error);
  });
});
