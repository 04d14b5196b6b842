import { describe, expect, it } from 'vitest';
import type { HostConfig, TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import { DEFAULT_ENVIRONMENT } from '../../../shared/domain/environment-name.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { AgentProbe } from '../../../shared/probes/agent-probe.js';
import { DEFAULT_IKE_PROBE_IMAGE, ikeAgentProbe } from '../../../shared/probes/ike/ike-agent-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { runSweep } from '../../../shared/sweep/run-sweep.js';
import { withDeadline } from '../../../shared/transport/deadline.js';
import type {
  DockerHostClient,
  ExecOptions,
  ExecResult,
} from '../../../shared/transport/docker-host-client.js';
import { LocalShellClient, SilentClient } from '../../support/local-shell-client.js';

// Loopback "overlay" addresses: the pings really run (BusyBox sh + ping), and never leave this machine.
const host = (n: number): HostConfig => ({
  name: `h${n}` as HostName,
  underlayIp: null,
  docker: { scheme: 'unix', socketPath: `/run/tw-test-h${n}.sock` },
});
const config = (hosts: HostConfig[], deadlineMs = 6000): TunnelwatchConfig => ({
  environment: DEFAULT_ENVIRONMENT,
  schedule: null,
  hosts,
  agent: {
    preset: 'auto',
    selectorLabel: null,
    overlayIpLabel: 'io.rancher.container.ip',
    advertisedIpEnv: 'CATTLE_AGENT_IP',
  },
  probes: { pingCount: 2, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 500 },
  sweep: { deadlineMs, concurrency: 4, connectTimeoutMs: 1000 },
});
const loopbackAgent = (n: number, env: string[] = []) =>
  new LocalShellClient({
    id: `agent${n}`.padEnd(64, '0'),
    labels: { 'io.rancher.container.ip': `127.0.0.${n}/8` },
    env,
  });

describe('runSweep', () => {
  it('measures every ordered pair with one exec per agent and diagnoses each pair', async () => {
    const clients = new Map<string, LocalShellClient>(
      [1, 2, 3].map((n) => [`h${n}`, loopbackAgent(n, [`CATTLE_AGENT_IP=127.0.0.${n + 10}`])]),
    );
    const progress: string[] = [];
    const report = await runSweep(config([host(1), host(2), host(3)]), {
      clientFor: (h) => clients.get(h.name)!,
      execProbes: [overlayIcmpProbe, underlayIcmpProbe],
      diagnose,
      onProgress: (e) => progress.push(e.phase),
    });
    expect(report.status).toBe('up');
    expect(report.hosts.map((h) => [h.name, h.state, h.agent?.overlayIp])).toEqual([
      ['h1', 'up', '127.0.0.1'],
      ['h2', 'up', '127.0.0.2'],
      ['h3', 'up', '127.0.0.3'],
    ]);
    for (const c of clients.values()) expect(c.execCalls).toHaveLength(1);
    const overlay = report.paths.filter((p) => p.probe === 'overlay-icmp');
    expect(overlay.map((p) => `${p.from}>${p.to}:${p.target}:${p.state}:${p.received}/${p.sent}`)).toEqual([
      'h1>h2:127.0.0.2:up:2/2',
      'h1>h3:127.0.0.3:up:2/2',
      'h2>h1:127.0.0.1:up:2/2',
      'h2>h3:127.0.0.3:up:2/2',
      'h3>h1:127.0.0.1:up:2/2',
      'h3>h2:127.0.0.2:up:2/2',
    ]);
    // The underlay probe targets each peer's advertised address.
    expect(report.paths.filter((p) => p.probe === 'underlay-icmp').map((p) => p.target)).toEqual([
      '127.0.0.12',
      '127.0.0.13',
      '127.0.0.11',
      '127.0.0.13',
      '127.0.0.11',
      '127.0.0.12',
    ]);
    expect(report.verdicts).toHaveLength(6);
    expect(report.verdicts.every((v) => v.cause === 'ok')).toBe(true);
    expect(progress).toEqual([
      'host-discovered',
      'host-discovered',
      'host-discovered',
      'discovered',
      'agent-probed',
      'agent-probed',
      'agent-probed',
      'diagnosed',
    ]);
  });

  it('finishes with a silent Docker endpoint: that host unknown, the others measured', async () => {
    const clients = new Map<string, DockerHostClient>([
      ['h1', loopbackAgent(1)],
      ['h2', loopbackAgent(2)],
      ['h3', new SilentClient()],
    ]);
    const report = await runSweep(config([host(1), host(2), host(3)], 4000), {
      clientFor: (h) => clients.get(h.name)!,
      execProbes: [overlayIcmpProbe],
      diagnose,
    });
    expect(report.hosts.find((h) => h.name === 'h3')).toMatchObject({
      state: 'unknown',
      agent: null,
      findings: [{ code: 'docker-unreachable' }],
    });
    const between = report.paths.filter((p) => p.to !== 'h3');
    expect(between.map((p) => `${p.from}>${p.to}:${p.state}`)).toEqual(['h1>h2:up', 'h2>h1:up']);
    const toDead = report.verdicts.filter((v) => v.from === 'h3' || v.to === 'h3');
    expect(toDead.every((v) => v.cause === 'docker-unreachable' && v.state === 'unknown')).toBe(true);
    expect(report.status).toBe('unknown');
  });

  it('runs AgentProbes next to the batch and turns a throwing one into unknown paths', async () => {
    const clients = new Map([1, 2].map((n) => [`h${n}`, loopbackAgent(n)]));
    const seen: string[] = [];
    const throwing: AgentProbe = {
      kinds: ['ike-udp500'],
      async run(ctx) {
        seen.push(ctx.self);
        throw new Error('sidecar image missing');
      },
    };
    const report = await runSweep(config([host(1), host(2)]), {
      clientFor: (h) => clients.get(h.name)!,
      execProbes: [overlayIcmpProbe],
      agentProbes: [throwing],
      diagnose,
    });
    expect(seen.sort()).toEqual(['h1', 'h2']);
    expect(report.paths.filter((p) => p.probe === 'ike-udp500')).toEqual([
      expect.objectContaining({
        from: 'h1',
        to: 'h2',
        state: 'unknown',
        error: 'ike-udp500 probe failed: sidecar image missing',
      }),
      expect.objectContaining({ from: 'h2', to: 'h1', state: 'unknown' }),
    ]);
  });

  it('reports a sweep of one host by that host alone', async () => {
    const report = await runSweep(config([host(1)]), {
      clientFor: () => loopbackAgent(1),
      execProbes: [overlayIcmpProbe],
      diagnose,
    });
    expect(report).toMatchObject({ status: 'up', paths: [], verdicts: [] });
  });

  it('bounds the IKE probe by the sweep budget: a hanging exec in the carrier costs its paths, not the sweep', async () => {
    const ikeExecs: ExecOptions[] = [];
    const hanging = (n: number) => {
      const client = loopbackAgent(n, [`CATTLE_AGENT_IP=127.0.0.${n + 10}`]);
      const exec = client.exec.bind(client);
      return Object.assign(client, {
        startCarrier: async () => `carrier-${n}`,
        exec(id: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
          if (id !== `carrier-${n}`) return exec(id, argv, opts);
          ikeExecs.push(opts);
          return withDeadline('ike', opts.deadlineMs, opts.signal, () => new Promise<ExecResult>(() => {}));
        },
      });
    };
    const clients = new Map([1, 2].map((n) => [`h${n}`, hanging(n)]));
    const cfg = config([host(1), host(2)], 3000);
    cfg.probes.ikeTimeoutMs = 10_000; // more than the whole sweep may take
    const report = await runSweep(cfg, {
      clientFor: (h) => clients.get(h.name)!,
      execProbes: [overlayIcmpProbe],
      agentProbes: [ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE)],
      diagnose,
    });
    expect(ikeExecs).toHaveLength(2);
    for (const opts of ikeExecs) expect(opts.deadlineMs).toBeLessThan(3000);
    expect(report.paths.filter((p) => p.probe === 'overlay-icmp').every((p) => p.state === 'up')).toBe(true);
    const ike = report.paths.filter((p) => p.probe.startsWith('ike-'));
    expect(ike).toHaveLength(4);
    expect(ike.every((p) => p.state === 'unknown' && /no answer within|cancelled/.test(p.error ?? ''))).toBe(
      true,
    );
  });

  it('runs an agent’s IKE probe beside its batch, inside its concurrency slot, the carrier started once', async () => {
    const inFlight = new Map<string, number>();
    let maxAgentsAtOnce = 0;
    let overlapped = 0;
    const track = async <T>(agent: string, work: () => Promise<T>): Promise<T> => {
      inFlight.set(agent, (inFlight.get(agent) ?? 0) + 1);
      if (inFlight.get(agent)! > 1) overlapped++;
      maxAgentsAtOnce = Math.max(maxAgentsAtOnce, inFlight.size);
      try {
        return await work();
      } finally {
        const left = inFlight.get(agent)! - 1;
        if (left === 0) inFlight.delete(agent);
        else inFlight.set(agent, left);
      }
    };
    const tracked = (n: number) => {
      const client = loopbackAgent(n, [`CATTLE_AGENT_IP=127.0.0.${n + 10}`]);
      const exec = client.exec.bind(client);
      let ikeRuns = 0;
      let carriers = 0;
      return Object.assign(client, {
        counts: () => [carriers, ikeRuns],
        startCarrier: async () => {
          carriers++;
          return `carrier-${n}`;
        },
        exec: (id: string, argv: string[], opts: ExecOptions) =>
          track(`h${n}`, async () => {
            if (id !== `carrier-${n}`) return exec(id, argv, opts);
            ikeRuns++;
            await new Promise((r) => setTimeout(r, 50));
            return { exitCode: 0, stdout: '- end\n', stderr: '' };
          }),
      });
    };
    const clients = new Map([1, 2, 3].map((n) => [`h${n}`, tracked(n)]));
    const cfg = config([host(1), host(2), host(3)], 10_000);
    cfg.sweep.concurrency = 1;
    const deps = {
      clientFor: (h: HostConfig) => clients.get(h.name)!,
      execProbes: [overlayIcmpProbe],
      agentProbes: [ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE)],
      diagnose,
    };
    await runSweep(cfg, deps);
    await runSweep(cfg, deps);
    // Two sweeps: one carrier per agent, one IKE exec per agent per sweep, each beside its batch.
    expect([...clients.values()].map((c) => c.counts())).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(overlapped).toBe(6);
    expect(maxAgentsAtOnce).toBe(1);
  });
});
