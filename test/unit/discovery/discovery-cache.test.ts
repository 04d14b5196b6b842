import { describe, expect, it } from 'vitest';
import type { AgentSelector, HostConfig } from '../../../shared/config/tunnelwatch-config.js';
import { discoverHost } from '../../../shared/discovery/discover-host.js';
import { DiscoveryCache } from '../../../shared/discovery/discovery-cache.js';
import { LruMap } from '../../../shared/discovery/lru-map.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type {
  ContainerDetails,
  ContainerSummary,
  DockerHostClient,
  ExecResult,
} from '../../../shared/transport/docker-host-client.js';

const SELECTOR: AgentSelector = {
  preset: 'auto',
  selectorLabel: null,
  overlayIpLabel: 'io.rancher.container.ip',
  advertisedIpEnv: 'CATTLE_AGENT_IP',
};
const HOST: HostConfig = {
  name: 'h1' as HostName,
  underlayIp: '198.18.0.11' as Ipv4,
  docker: { scheme: 'unix', socketPath: '/run/h1.sock' },
};

interface Container {
  id: string;
  state: string;
  labels: Record<string, string>;
  env: string[];
}
const router = (id: string, ip?: string): Container => ({
  id,
  state: 'running',
  labels: {
    'io.rancher.stack.name': 'ipsec',
    'io.rancher.stack_service.name': 'ipsec/ipsec',
    ...(ip ? { 'io.rancher.container.ip': ip } : {}),
  },
  env: [],
});
const rancherAgent = (id: string, ip: string): Container => ({
  id,
  state: 'running',
  labels: { 'io.rancher.container.system': 'rancher-agent' },
  env: [`CATTLE_AGENT_IP=${ip}`],
});

/** A host whose containers a test replaces between sweeps; counts every call by kind. */
class ChangingHost implements DockerHostClient {
  calls = { list: 0, inspect: [] as string[], exec: 0 };
  constructor(public containers: Container[]) {}
  async listContainers(): Promise<ContainerSummary[]> {
    this.calls.list++;
    return this.containers.map((c) => ({
      id: c.id,
      names: [c.id],
      image: 'agent',
      state: c.state,
      labels: c.labels,
      dockerIps: [],
    }));
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    this.calls.inspect.push(id);
    const c = this.containers.find((x) => x.id === id)!;
    return { id, name: id, running: c.state === 'running', labels: c.labels, env: c.env };
  }
  async exec(): Promise<ExecResult> {
    this.calls.exec++;
    return { exitCode: 0, stdout: '2: eth0    inet 100.64.1.2/16 scope global eth0', stderr: '' };
  }
  startCarrier(): Promise<string> {
    throw new Error('not used');
  }
  async removeContainer() {}
  async ensureImage() {}
  async putArchive() {}
  async close() {}
}

const discover = (client: DockerHostClient, cache: DiscoveryCache) =>
  discoverHost(HOST, client, SELECTOR, { deadlineMs: 500, cache });

describe('discovery through a DiscoveryCache', () => {
  it('inspects the agent and the rancher-agent once; the next discovery is one list call', async () => {
    const host = new ChangingHost([router('rt', '100.64.1.2/16'), rancherAgent('ra', '198.18.0.11')]);
    const cache = new DiscoveryCache();
    const first = await discover(host, cache);
    expect(host.calls).toEqual({ list: 1, inspect: ['rt', 'ra'], exec: 0 });
    const second = await discover(host, cache);
    expect(host.calls).toEqual({ list: 2, inspect: ['rt', 'ra'], exec: 0 });
    expect(second).toEqual(first);
  });

  it('re-inspects an agent whose id changed (recreated), and only that one', async () => {
    const host = new ChangingHost([router('rt1', '100.64.1.2/16'), rancherAgent('ra', '198.18.0.11')]);
    const cache = new DiscoveryCache();
    await discover(host, cache);
    host.containers = [router('rt2', '100.64.1.9/16'), rancherAgent('ra', '198.18.0.11')];
    const after = await discover(host, cache);
    expect(host.calls.inspect).toEqual(['rt1', 'ra', 'rt2']);
    expect(after.agent).toMatchObject({ containerId: 'rt2', overlayIp: '100.64.1.9' });
  });

  it('sees a new rancher-agent (re-registered host) and a stopped agent at once: state comes from the list', async () => {
    const host = new ChangingHost([router('rt', '100.64.1.2/16'), rancherAgent('ra1', '198.18.0.11')]);
    const cache = new DiscoveryCache();
    await discover(host, cache);
    host.containers = [router('rt', '100.64.1.2/16'), rancherAgent('ra2', '198.18.0.250')];
    const reregistered = await discover(host, cache);
    expect(reregistered.agent?.advertisedIp).toBe('198.18.0.250');
    expect(reregistered.findings?.map((f) => f.code)).toEqual(['agent-ip-misconfigured']);
    host.containers = [
      { ...router('rt', '100.64.1.2/16'), state: 'exited' },
      rancherAgent('ra2', '198.18.0.250'),
    ];
    const stopped = await discover(host, cache);
    expect(stopped).toMatchObject({ state: 'down', agent: null, findings: [{ code: 'agent-down' }] });
    expect(host.calls.inspect).toEqual(['rt', 'ra1', 'ra2']);
  });

  it('reads an unlabelled agent’s overlay IP inside it once per container id', async () => {
    const host = new ChangingHost([router('rt'), rancherAgent('ra', '198.18.0.11')]);
    const cache = new DiscoveryCache();
    expect((await discover(host, cache)).agent?.overlayIp).toBe('100.64.1.2');
    expect((await discover(host, cache)).agent?.overlayIp).toBe('100.64.1.2');
    expect(host.calls.exec).toBe(1);
  });

  it('is bounded: past its capacity the least recently used container is forgotten and inspected again', async () => {
    const host = new ChangingHost([router('rt', '100.64.1.2/16'), rancherAgent('ra', '198.18.0.11')]);
    const cache = new DiscoveryCache(1);
    await discover(host, cache);
    await discover(host, cache);
    // Room for one container: the agent and the rancher-agent push each other out.
    expect(host.calls.inspect.length).toBeGreaterThan(2);
    const roomy = new ChangingHost(host.containers);
    const big = new DiscoveryCache(2);
    await discover(roomy, big);
    await discover(roomy, big);
    expect(roomy.calls.inspect).toEqual(['rt', 'ra']);
  });
});

describe('LruMap', () => {
  it('holds at most its capacity, evicting the least recently used', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(m.size).toBe(2);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    for (let i = 0; i < 100; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(2);
  });

  it('refuses a capacity that would make it unbounded or useless', () => {
    expect(() => new LruMap(0)).toThrow(RangeError);
    expect(() => new LruMap(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
