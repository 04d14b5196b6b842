import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { planHosts } from '../lab/address-plan.js';
import { agentExec, inspectAgent } from '../lab/agent-container.js';
import { inNetns, run } from '../lab/command.js';
import { fault, heal, overlayPairs } from '../lab/lab.js';

const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');

function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

describe.skipIf(skipReason !== '')('lab faults', () => {
  const hosts = planHosts(hostCount);
  const [h1, h2, h3] = [hosts[0]!, hosts[1]!, hosts[2] ?? hosts[1]!];
  const overlayPing = (from = h1, to = h2) =>
    agentExec(from, ['ping', '-c', '2', '-i', '0.2', '-W', '1', to.overlayIp]);
  const underlayPing = (from = h1, to = h2) =>
    run(inNetns(from.netnsPath, ['ping', '-c', '1', '-W', '1', to.underlayIp]), { allowFailure: true });
  const faultRules = async (h = h1) =>
    (await run(inNetns(h.netnsPath, ['nft', 'list', 'table', 'inet', 'tunnelwatch_fault']))).stdout;

  beforeAll(async () => {
    await heal({ waitForTunnelsMs: 120_000 });
  });

  // Every fault is healed, and the heal must bring every overlay path back.
  afterEach(async (ctx) => {
    const started = Date.now();
    const { tunnelsMissing } = await heal({ waitForTunnelsMs: 200_000, reconnect: true });
    process.stderr.write(
      `[lab] ${ctx.task.name}: all tunnels carry traffic ${((Date.now() - started) / 1000).toFixed(1)} s after heal\n`,
    );
    expect(tunnelsMissing).toEqual([]);
    expect((await overlayPairs(hosts)).every((p) => p.ok)).toBe(true);
  });

  it('block-udp500 drops IKE on 500 only: established tunnels keep carrying the overlay', async () => {
    await fault('block-udp500', [h1.name, h2.name]);
    expect(await faultRules(h1)).toContain(`ip daddr ${h2.underlayIp} udp dport 500 drop`);
    expect(await faultRules(h2)).toContain(`ip daddr ${h1.underlayIp} udp dport 500 drop`);
    expect((await overlayPing()).code).toBe(0);
  });

  it('block-udp4500 --one-way drops only h1→h2 ESP-in-UDP, which already breaks the overlay ping', async () => {
    await fault('block-udp4500', [h1.name, h2.name, '--one-way']);
    expect(await faultRules(h1)).toContain(`ip daddr ${h2.underlayIp} udp dport 4500 drop`);
    expect(await faultRules(h2)).not.toContain('4500');
    expect((await overlayPing()).code).not.toBe(0);
    expect((await overlayPing(h1, h3)).code).toBe(hostCount > 2 ? 0 : 1);
  });

  it('partition drops all underlay traffic between the two hosts only', async () => {
    await fault('partition', [h1.name, h2.name]);
    expect((await underlayPing(h1, h2)).code).not.toBe(0);
    expect((await underlayPing(h2, h1)).code).not.toBe(0);
    if (hostCount > 2) expect((await underlayPing(h1, h3)).code).toBe(0);
    expect((await overlayPing()).code).not.toBe(0);
  });

  it('loss drops underlay packets between the hosts (100% here, so the effect is certain)', async () => {
    await fault('loss', [h1.name, h2.name, '100']);
    expect(await faultRules(h1)).toContain(`ip daddr ${h2.underlayIp} drop`);
    expect((await underlayPing(h1, h2)).code).not.toBe(0);
  });

  it('stop-agent stops the agent container', async () => {
    await fault('stop-agent', [h2.name]);
    expect((await inspectAgent(h2))?.running).toBe(false);
    expect((await overlayPing()).code).not.toBe(0);
  });

  it('kill-ike kills charon but leaves the agent container running', async () => {
    await fault('kill-ike', [h2.name]);
    expect((await inspectAgent(h2))?.running).toBe(true);
    expect((await agentExec(h2, ['swanctl', '--list-sas'])).code).not.toBe(0);
    expect((await overlayPing()).code).not.toBe(0);
  });

  it('docker-down makes the Docker API unreachable while tunnels keep working', async () => {
    expect(await tcpReachable(h2.underlayIp, 2376, 2000)).toBe(true);
    await fault('docker-down', [h2.name]);
    expect(await tcpReachable(h2.underlayIp, 2376, 2000)).toBe(false);
    expect(existsSync(h2.unixSocket)).toBe(false);
    expect((await overlayPing()).code).toBe(0);
  });

  it('wrong-agent-ip re-creates the agent advertising 198.18.0.250 and peers point their tunnels at it', async () => {
    await fault('wrong-agent-ip', [h2.name]);
    expect((await inspectAgent(h2))?.advertisedIp).toBe('198.18.0.250');
    const conns = await agentExec(h1, ['swanctl', '--list-conns']);
    expect(conns.stdout).toContain('remote: 198.18.0.250');
    expect((await overlayPing()).code).not.toBe(0);
  });
});
