import { describe, expect, it } from 'vitest';
import type { HostConfig, TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import { DiscoveryCache } from '../../../shared/discovery/discovery-cache.js';
import { DEFAULT_ENVIRONMENT } from '../../../shared/domain/environment-name.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import { overlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { runSweep } from '../../../shared/sweep/run-sweep.js';
import type { SweepProgress } from '../../../shared/sweep/sweep-progress.js';
import {
  type CallOptions,
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  type ExecResult,
  TransportError,
} from '../../../shared/transport/docker-host-client.js';
import { LocalShellClient } from '../../support/local-shell-client.js';

// Sweeps through one DiscoveryCache (as serve and a warm Function do). Host hN's agent answers
// real pings on 127.0.0.N (BusyBox, loopback only); its container id and state are the test's.
const host = (n: number): HostConfig => ({
  name: `h${n}` as HostName,
  underlayIp: null,
  docker: { scheme: 'unix', socketPath: `/run/tw-warm-h${n}.sock` },
});
const CONFIG: TunnelwatchConfig = {
  environment: DEFAULT_ENVIRONMENT,
  schedule: null,
  hosts: [host(1), host(2), host(3)],
  agent: {
    preset: 'auto',
    selectorLabel: null,
    overlayIpLabel: 'io.rancher.container.ip',
    advertisedIpEnv: 'CATTLE_AGENT_IP',
  },
  probes: { pingCount: 1, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 500 },
  sweep: { deadlineMs: 6000, concurrency: 4, connectTimeoutMs: 1000 },
};

class AgentHost implements DockerHostClient {
  readonly calls: string[] = [];
  agentId: string;
  state = 'running';
  /** When set, the list call waits for it (a slow Docker endpoint). */
  listGate: Promise<void> | null = null;
  /** Runs once, right after the next list answered (the agent recreated just after being listed). */
  afterList: (() => void) | null = null;
  readonly #shell: LocalShellClient;
  readonly #labels: Record<string, string>;

  constructor(readonly n: number) {
    this.agentId = `agent-h${n}-1`;
    this.#labels = {
      'io.rancher.container.system': 'NetworkAgent',
      'io.rancher.container.ip': `127.0.0.${n}/8`,
    };
    this.#shell = new LocalShellClient({ id: this.agentId, labels: this.#labels });
  }

  /** A black-holed Docker API: a list waits until its deadline or cancellation, an exec fails to connect. */
  blackHoled = false;
  /** Lists that ended because their caller cancelled them. */
  cancelledLists = 0;
  /** Where the agent's execs note their start and end, when given (shared by the fleet). */
  timeline: string[] | null = null;

  async listContainers(opts?: CallOptions): Promise<ContainerSummary[]> {
    this.calls.push('list');
    if (this.blackHoled) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts?.deadlineMs ?? 0);
        opts?.signal?.addEventListener('abort', () => {
          this.cancelledLists++;
          clearTimeout(timer);
          resolve();
        });
      });
      throw new TransportError('timeout', 'no answer within the deadline');
    }
    if (this.listGate) await this.listGate;
    const list = [
      {
        id: this.agentId,
        names: ['agent'],
        image: 'agent',
        state: this.state,
        labels: this.#labels,
        dockerIps: [],
      },
    ];
    this.afterList?.();
    this.afterList = null;
    return list;
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    this.calls.push(`inspect ${id}`);
    if (id !== this.agentId) throw new TransportError('not-found', `no such container ${id}`, 404);
    return { id, name: 'agent', running: this.state === 'running', labels: this.#labels, env: [] };
  }
  async exec(id: string, argv: string[], opts: CallOptions): Promise<ExecResult> {
    this.calls.push(`exec ${id}`);
    if (this.blackHoled) throw new TransportError('unreachable', 'connect timeout');
    if (id !== this.agentId)
      throw new TransportError('not-found', `exec in ${id}: Docker API answered 404`, 404);
    if (this.state !== 'running') throw new TransportError('conflict', `exec in ${id}: not running`, 409);
    this.timeline?.push(`start h${this.n}`);
    try {
      return await this.#shell.exec(id, argv, opts);
    } finally {
      this.timeline?.push(`end h${this.n}`);
    }
  }
  startCarrier(): Promise<string> {
    throw new Error('not used');
  }
  async removeContainer() {}
  async ensureImage() {}
  async putArchive() {}
  async close() {}
}

function fleet() {
  const hosts = new Map([1, 2, 3].map((n) => [`h${n}`, new AgentHost(n)]));
  const cache = new DiscoveryCache();
  const events: string[] = [];
  const sweep = (onProgress: (e: SweepProgress) => void = () => {}, config = CONFIG) => {
    for (const h of hosts.values()) h.calls.length = 0;
    events.length = 0;
    return runSweep(config, {
      clientFor: (h) => hosts.get(h.name)!,
      execProbes: [overlayIcmpProbe],
      diagnose,
      discoveryCache: cache,
      onProgress: (e) => {
        events.push(
          e.phase === 'discovered'
            ? `discovered from ${e.from}`
            : e.phase === 'host-discovered'
              ? `host-discovered ${e.host}`
              : e.phase === 'agent-probed'
                ? `agent-probed ${e.host}`
                : e.phase,
        );
        onProgress(e);
      },
    });
  };
  return { hosts, cache, sweep, events, h: (n: number) => hosts.get(`h${n}`)! };
}

const overlayFrom = (report: Awaited<ReturnType<typeof runSweep>>, from: string) =>
  report.paths.filter((p) => p.probe === 'overlay-icmp' && p.from === from).map((p) => `${p.to}:${p.state}`);

describe('a sweep through a discovery cache that knows every host', () => {
  it('the first sweep is cold: every host discovered before anyone probes', async () => {
    const f = fleet();
    const report = await f.sweep();
    expect(report.status).toBe('up');
    const firstProbe = f.events.findIndex((e) => e.startsWith('agent-probed'));
    expect(f.events.slice(0, firstProbe)).toEqual([
      'host-discovered h1',
      'host-discovered h2',
      'host-discovered h3',
      'discovered from docker',
    ]);
  });

  it('probes from the cached agents at once, while a slow host’s revalidation is still waiting', async () => {
    const f = fleet();
    await f.sweep();
    // h3's list answers only once h1 and h2 have probed: a sweep that waited for discovery could
    // not finish h3's discovery before its deadline, and would report h3 unknown.
    let release: () => void = () => {};
    f.h(3).listGate = new Promise<void>((r) => {
      release = r;
    });
    const probed = new Set<string>();
    const report = await f.sweep((e) => {
      if (e.phase === 'agent-probed') probed.add(e.host);
      if (probed.has('h1') && probed.has('h2')) release();
    });
    expect(f.events[0]).toBe('discovered from cache');
    expect(f.events.indexOf('agent-probed h1')).toBeLessThan(f.events.indexOf('host-discovered h3'));
    expect(f.events.indexOf('agent-probed h2')).toBeLessThan(f.events.indexOf('host-discovered h3'));
    expect(report.hosts.map((h) => [h.name, h.state])).toEqual([
      ['h1', 'up'],
      ['h2', 'up'],
      ['h3', 'up'],
    ]);
    expect(report.status).toBe('up');
    // Steady state: one list per host, no inspect.
    for (const h of f.hosts.values()) expect(h.calls.filter((c) => !c.startsWith('exec'))).toEqual(['list']);
  });

  // A sweep that waited for a black-holed list would wait for discovery's share of this deadline
  // (20 s): longer than the test may take, so these tests fail rather than pass slowly.
  const PATIENT: TunnelwatchConfig = { ...CONFIG, sweep: { ...CONFIG.sweep, deadlineMs: 60_000 } };

  it('a host whose Docker API stops answering holds nobody up: unknown with the reason, its list cancelled, the cache kept', async () => {
    const f = fleet();
    await f.sweep();
    const known = f.cache.lastResult('h3' as HostName);
    f.h(3).blackHoled = true;
    for (let i = 0; i < 2; i++) {
      const report = await f.sweep(undefined, PATIENT);
      expect(report.hosts.map((h) => [h.name, h.state])).toEqual([
        ['h1', 'up'],
        ['h2', 'up'],
        ['h3', 'unknown'],
      ]);
      expect(report.hosts[2]!.error).toBe('no answer from the Docker API within this sweep (last seen up)');
      expect(report.hosts[2]!.findings?.at(-1)?.code).toBe('docker-unreachable');
      expect(overlayFrom(report, 'h1')).toEqual(['h2:up', 'h3:up']);
      // A cancelled discovery is no evidence: the cache still holds what h3 last answered.
      expect(f.cache.lastResult('h3' as HostName)).toBe(known);
    }
    expect(f.h(3).cancelledLists).toBe(2);
    f.h(3).blackHoled = false;
    expect((await f.sweep(undefined, PATIENT)).status).toBe('up');
  });

  it('a host black-holed from the start costs the cold sweep its discovery wait, and no warm sweep anything', async () => {
    const f = fleet();
    f.h(3).blackHoled = true;
    const cold = await f.sweep();
    expect(cold.hosts[2]).toMatchObject({ state: 'unknown', error: expect.stringContaining('no answer') });
    const reason = cold.hosts[2]!.error;
    const warm = await f.sweep(undefined, PATIENT);
    expect(f.events[0]).toBe('discovered from cache');
    expect(warm.hosts.map((h) => [h.name, h.state])).toEqual([
      ['h1', 'up'],
      ['h2', 'up'],
      ['h3', 'unknown'],
    ]);
    // Its earlier failure keeps its own reason; no probe was attempted from it.
    expect(warm.hosts[2]!.error).toBe(reason);
    expect(f.h(3).calls.filter((c) => c.startsWith('exec'))).toEqual([]);
    // Nothing known to probe h3 at (no agent ever seen): the same paths as the cold sweep.
    expect(overlayFrom(warm, 'h1')).toEqual(['h2:up']);
    expect(overlayFrom(cold, 'h1')).toEqual(['h2:up']);
  });

  it('a host without an agent never takes a concurrency slot an agent could probe in', async () => {
    // Two slots, two agents and a host black-holed from the start (known without an agent): both
    // agents probe at once. Given a slot first, the host without one would hold it until the
    // others were probed, and the second agent would wait for the first.
    const f = fleet();
    f.h(3).blackHoled = true;
    await f.sweep(undefined, { ...CONFIG, sweep: { ...CONFIG.sweep, concurrency: 2 } });
    const twoSlots: TunnelwatchConfig = { ...PATIENT, sweep: { ...PATIENT.sweep, concurrency: 2 } };
    const timeline: string[] = [];
    for (const h of f.hosts.values()) h.timeline = timeline;
    const warm = await f.sweep(undefined, twoSlots);
    expect(f.events[0]).toBe('discovered from cache');
    expect(overlayFrom(warm, 'h2')).toEqual(['h1:up']);
    expect(timeline.slice(0, 2).sort()).toEqual(['start h1', 'start h2']);
  });

  it('an agent recreated since the last sweep: its exec answers not-found, it is rediscovered and probed again once', async () => {
    const f = fleet();
    await f.sweep();
    f.h(2).agentId = 'agent-h2-2';
    const report = await f.sweep();
    expect(f.h(2).calls.filter((c) => c.startsWith('exec'))).toEqual(['exec agent-h2-1', 'exec agent-h2-2']);
    expect(report.hosts[1]?.agent?.containerId).toBe('agent-h2-2');
    expect(overlayFrom(report, 'h2')).toEqual(['h1:up', 'h3:up']);
    expect(report.status).toBe('up');
  });

  it('recreated just after its revalidation listed it: the sweep lists the host again rather than trust that answer', async () => {
    const f = fleet();
    await f.sweep();
    f.h(2).afterList = () => {
      f.h(2).agentId = 'agent-h2-2';
    };
    const report = await f.sweep();
    expect(f.h(2).calls.filter((c) => c === 'list')).toHaveLength(2);
    expect(f.h(2).calls.filter((c) => c.startsWith('exec'))).toEqual(['exec agent-h2-1', 'exec agent-h2-2']);
    expect(report.hosts[1]?.agent?.containerId).toBe('agent-h2-2');
    expect(overlayFrom(report, 'h2')).toEqual(['h1:up', 'h3:up']);
  });

  it('an agent gone for good is retried at most once, and the host says so', async () => {
    const f = fleet();
    await f.sweep();
    const h2 = f.h(2);
    h2.agentId = 'agent-h2-2';
    // Every exec fails as not-found: the new agent is recreated again before it can be probed.
    h2.exec = async (id) => {
      h2.calls.push(`exec ${id}`);
      throw new TransportError('not-found', `exec in ${id}: Docker API answered 404`, 404);
    };
    const report = await f.sweep();
    expect(h2.calls.filter((c) => c.startsWith('exec'))).toEqual(['exec agent-h2-1', 'exec agent-h2-2']);
    expect(overlayFrom(report, 'h2')).toEqual(['h1:unknown', 'h3:unknown']);
  });

  it('a revalidation that finds the agent stopped makes the host down for diagnosis, without a retry', async () => {
    const f = fleet();
    await f.sweep();
    f.h(2).state = 'exited';
    const report = await f.sweep();
    expect(report.hosts[1]).toMatchObject({ state: 'down', agent: null, findings: [{ code: 'agent-down' }] });
    expect(f.h(2).calls.filter((c) => c.startsWith('exec'))).toEqual(['exec agent-h2-1']);
    expect(report.verdicts.find((v) => v.from === 'h1' && v.to === 'h2')?.cause).toBe('agent-down');
  });

  it('a host the cache does not know makes the sweep cold again', async () => {
    const f = fleet();
    await f.sweep();
    f.hosts.set('h4', new AgentHost(4));
    const events: string[] = [];
    await runSweep(
      { ...CONFIG, hosts: [...CONFIG.hosts, host(4)] },
      {
        clientFor: (h) => f.hosts.get(h.name)!,
        execProbes: [overlayIcmpProbe],
        diagnose,
        discoveryCache: f.cache,
        onProgress: (e) => events.push(e.phase === 'discovered' ? `discovered from ${e.from}` : e.phase),
      },
    );
    expect(events).toContain('discovered from docker');
  });
});
