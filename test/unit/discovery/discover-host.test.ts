import { describe, expect, it } from 'vitest';
import type { AgentSelector, HostConfig } from '../../../shared/config/tunnelwatch-config.js';
import { discoverHost } from '../../../shared/discovery/discover-host.js';
import { pickOverlayIp } from '../../../shared/discovery/pick-overlay-ip.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import {
  type CallOptions,
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  type ExecResult,
  TransportError,
} from '../../../shared/transport/docker-host-client.js';
import { SilentClient } from '../../support/local-shell-client.js';

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
const OPTS = { deadlineMs: 500 };

interface FakeContainer {
  id: string;
  name?: string;
  state?: string;
  labels?: Record<string, string>;
  env?: string[];
  dockerIps?: string[];
}

/** A hand-written Docker host for edge cases; `ipAddr` is what `ip -o -4 addr` prints inside the agent. */
class FakeDockerHost implements DockerHostClient {
  execs: string[][] = [];
  constructor(
    private readonly containers: FakeContainer[],
    private readonly ipAddr: ExecResult | TransportError = { exitCode: 0, stdout: '', stderr: '' },
  ) {}
  lists = 0;
  inspects: string[] = [];
  /** Every container, unfiltered, as the one list call of discovery asks for. */
  async listContainers(): Promise<ContainerSummary[]> {
    this.lists++;
    return this.containers.map((c) => ({
      id: c.id,
      names: [`/${c.name ?? `agent-${c.id}`}`],
      image: 'agent',
      state: c.state ?? 'running',
      labels: c.labels ?? agentLabels(),
      dockerIps: c.dockerIps ?? [],
    }));
  }
  async inspectContainer(id: string): Promise<ContainerDetails> {
    this.inspects.push(id);
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new TransportError('not-found', `no such container ${id}`, 404);
    return {
      id,
      name: `/${c.name ?? `agent-${id}`}`,
      running: (c.state ?? 'running') === 'running',
      labels: c.labels ?? agentLabels(),
      env: c.env ?? [],
    };
  }
  async exec(_id: string, argv: string[], _opts: CallOptions): Promise<ExecResult> {
    this.execs.push(argv);
    if (this.ipAddr instanceof TransportError) throw this.ipAddr;
    return this.ipAddr;
  }
  startCarrier(): Promise<string> {
    throw new Error('not used');
  }
  async removeContainer() {}
  async ensureImage() {}
  async putArchive() {}
  async close() {}
}

const agentLabels = (ip?: string): Record<string, string> => ({
  'io.rancher.container.system': 'NetworkAgent',
  ...(ip !== undefined ? { 'io.rancher.container.ip': ip } : {}),
});

const RANCHER_AGENT = { 'io.rancher.container.system': 'rancher-agent' };
const ipsecLabels = (ip: string, launchConfig: string) => ({
  'io.rancher.stack.name': 'ipsec',
  'io.rancher.stack_service.name': 'ipsec/ipsec',
  'io.rancher.service.launch.config': launchConfig,
  'io.rancher.container.ip': ip,
});

describe('discoverHost', () => {
  it('finds the one running agent, its overlay IP from the label and its advertised IP from the env', async () => {
    const fake = new FakeDockerHost([
      { id: 'a1', labels: agentLabels('10.42.7.3/16'), env: ['PATH=/bin', 'CATTLE_AGENT_IP=198.18.0.11'] },
    ]);
    expect(await discoverHost(HOST, fake, SELECTOR, OPTS)).toEqual({
      name: 'h1',
      underlayIp: '198.18.0.11',
      state: 'up',
      agent: {
        containerId: 'a1',
        overlayIp: '10.42.7.3',
        overlayIpSource: 'label',
        advertisedIp: '198.18.0.11',
        layout: 'rancher-1.1',
        registration: 'agent-env',
      },
    });
    expect(fake.execs).toEqual([]);
  });

  it('finds a Rancher 1.6 ipsec router, ignores its connectivity-check sidekick, and reads the registered IP from rancher-agent', async () => {
    const fake = new FakeDockerHost([
      {
        id: 'ck',
        name: 'r-ipsec-ipsec-connectivity-check-1',
        labels: ipsecLabels('100.64.1.3/16', 'connectivity-check'),
      },
      { id: 'rt', name: 'r-ipsec-ipsec-router-1', labels: ipsecLabels('100.64.1.2/16', 'router') },
      { id: 'ra', name: 'rancher-agent', labels: RANCHER_AGENT, env: ['CATTLE_AGENT_IP=198.18.0.11'] },
    ]);
    expect((await discoverHost(HOST, fake, SELECTOR, OPTS)).agent).toEqual({
      containerId: 'rt',
      overlayIp: '100.64.1.2',
      overlayIpSource: 'label',
      advertisedIp: '198.18.0.11',
      layout: 'rancher-1.6',
      registration: 'rancher-agent',
    });
  });

  it('says the address was auto-detected by Rancher when no CATTLE_AGENT_IP is set anywhere', async () => {
    const fake = new FakeDockerHost([
      { id: 'rt', labels: ipsecLabels('100.64.1.2/16', 'router') },
      { id: 'ra', name: 'rancher-agent', labels: RANCHER_AGENT, env: ['PATH=/bin'] },
    ]);
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    expect(host.agent).toMatchObject({ layout: 'rancher-1.6', registration: 'auto-detected' });
    expect(host.agent?.advertisedIp).toBeUndefined();
    expect(host.findings).toBeUndefined();
  });

  it('reads a rancher-agent without CATTLE_AGENT_IP as auto-detected, even when the agent’s own env has one', async () => {
    // Rancher registers what rancher-agent was given, or what it detected itself: a stray variable on
    // the IPsec agent is not what the peers dial.
    const fake = new FakeDockerHost([
      { id: 'rt', labels: ipsecLabels('100.64.1.2/16', 'router'), env: ['CATTLE_AGENT_IP=198.18.0.11'] },
      { id: 'ra', name: 'rancher-agent', labels: RANCHER_AGENT, env: ['PATH=/bin'] },
    ]);
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    expect(host.agent).toMatchObject({ registration: 'auto-detected' });
    expect(host.agent?.advertisedIp).toBeUndefined();
  });

  it('flags a rancher-agent registered with another address, naming both and the fix', async () => {
    const fake = new FakeDockerHost([
      { id: 'rt', labels: ipsecLabels('100.64.1.2/16', 'router') },
      { id: 'ra', name: 'rancher-agent', labels: RANCHER_AGENT, env: ['CATTLE_AGENT_IP=198.18.0.250'] },
    ]);
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    expect(host.findings).toEqual([
      expect.objectContaining({
        code: 'agent-ip-misconfigured',
        addresses: { registered: '198.18.0.250', real: '198.18.0.11', dialedByPeers: [] },
      }),
    ]);
    expect(host.error).toContain('registered with Rancher as 198.18.0.250');
    expect(host.error).toContain('re-register the host with CATTLE_AGENT_IP=198.18.0.11');
  });

  it('a preset looks only for its own layout, and an explicit selector overrides the preset', async () => {
    const fake = new FakeDockerHost([{ id: 'rt', labels: ipsecLabels('100.64.1.2/16', 'router') }]);
    expect((await discoverHost(HOST, fake, { ...SELECTOR, preset: 'rancher-1.1' }, OPTS)).findings).toEqual([
      expect.objectContaining({ code: 'agent-missing' }),
    ]);
    expect((await discoverHost(HOST, fake, { ...SELECTOR, preset: 'rancher-1.6' }, OPTS)).agent?.layout).toBe(
      'rancher-1.6',
    );
    const custom = {
      ...SELECTOR,
      preset: 'rancher-1.1' as const,
      selectorLabel: 'io.rancher.stack.name=ipsec',
    };
    expect((await discoverHost(HOST, fake, custom, OPTS)).agent).toMatchObject({
      containerId: 'rt',
      layout: 'custom',
    });
  });

  it('ignores stopped agents next to the running one', async () => {
    const fake = new FakeDockerHost([
      { id: 'old', state: 'exited' },
      { id: 'a1', labels: agentLabels('100.64.1.2/16') },
    ]);
    expect((await discoverHost(HOST, fake, SELECTOR, OPTS)).agent?.containerId).toBe('a1');
  });

  it('reads the overlay IP inside the agent when the label is missing, skipping Docker-assigned addresses', async () => {
    const ipAddr = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '7: eth0    inet 198.19.7.2/24 brd 198.19.7.255 scope global eth0\\       valid_lft forever',
      '7: eth0    inet 100.64.3.2/16 scope global eth0\\       valid_lft forever preferred_lft forever',
    ].join('\n');
    const fake = new FakeDockerHost([{ id: 'a1', labels: agentLabels(), dockerIps: ['198.19.7.2'] }], {
      exitCode: 0,
      stdout: ipAddr,
      stderr: '',
    });
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    expect(host.agent).toMatchObject({ overlayIp: '100.64.3.2', overlayIpSource: 'container' });
    expect(fake.execs).toEqual([['ip', '-o', '-4', 'addr', 'show']]);
  });

  it.each([
    [
      'no agent at all',
      [],
      'down',
      'agent-missing',
      'no agent container on this host: looked for a Rancher 1.6 ipsec router',
    ],
    [
      'only a stopped agent',
      [{ id: 'a1', state: 'exited' }],
      'down',
      'agent-down',
      'a Rancher 1.1 Network Agent (io.rancher.container.system=NetworkAgent) is not running: /agent-a1 (exited)',
    ],
    [
      'two running agents',
      [{ id: 'a1' }, { id: 'a2' }],
      'unknown',
      'agent-multiple',
      '2 running containers match',
    ],
    [
      'a hostile label value',
      [{ id: 'a1', labels: agentLabels('10.42.0.1;reboot') }],
      'unknown',
      'agent-ip-invalid',
      'is not an IPv4 address like 10.42.7.3/16',
    ],
    [
      'a label with a bad prefix',
      [{ id: 'a1', labels: agentLabels('10.42.0.1/33') }],
      'unknown',
      'agent-ip-invalid',
      'fix the agent',
    ],
  ] as [string, FakeContainer[], string, string, string][])(
    '%s becomes a host finding',
    async (_what, containers, state, code, message) => {
      const fake = new FakeDockerHost(containers);
      const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
      expect(host).toMatchObject({ state, agent: null, findings: [{ code }] });
      expect(host.error).toContain(message);
      expect(host.error).not.toContain('reboot');
      expect(fake.execs).toEqual([]);
    },
  );

  it('reports an agent whose address cannot be read inside it', async () => {
    const gone = new FakeDockerHost(
      [{ id: 'a1' }],
      new TransportError('exec-failed', 'exec in a1: ip: not found'),
    );
    expect(await discoverHost(HOST, gone, SELECTOR, OPTS)).toMatchObject({
      state: 'unknown',
      findings: [{ code: 'agent-ip-invalid' }],
    });
    const onlyDocker = new FakeDockerHost([{ id: 'a1', dockerIps: ['198.19.7.2'] }], {
      exitCode: 0,
      stdout: '7: eth0    inet 198.19.7.2/24 scope global eth0',
      stderr: '',
    });
    expect((await discoverHost(HOST, onlyDocker, SELECTOR, OPTS)).error).toContain(
      'no overlay address found inside the agent',
    );
  });

  it('keeps the agent but flags an advertised IP that is not an address', async () => {
    const fake = new FakeDockerHost([
      { id: 'a1', labels: agentLabels('100.64.1.2'), env: ['CATTLE_AGENT_IP=$(id)'] },
    ]);
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    expect(host).toMatchObject({
      state: 'up',
      agent: { overlayIp: '100.64.1.2' },
      findings: [{ code: 'agent-ip-invalid' }],
    });
    expect(host.agent?.advertisedIp).toBeUndefined();
  });

  it('flags an agent advertising an address other than its host underlay IP (agent-ip-misconfigured)', async () => {
    const fake = new FakeDockerHost([
      { id: 'a1', labels: agentLabels('100.64.1.2/16'), env: ['CATTLE_AGENT_IP=198.18.0.250'] },
    ]);
    const host = await discoverHost(HOST, fake, SELECTOR, OPTS);
    // The agent still runs and is probed; diagnosis turns the finding into the pair's cause.
    expect(host).toMatchObject({
      state: 'up',
      agent: { containerId: 'a1', advertisedIp: '198.18.0.250' },
      findings: [{ code: 'agent-ip-misconfigured' }],
    });
    expect(host.error).toContain('registered with Rancher as 198.18.0.250');
    expect(host.error).toContain('re-register the host with CATTLE_AGENT_IP=198.18.0.11');
  });

  it('checks against the tcp endpoint address when the config gives no underlay IP', async () => {
    const fake = new FakeDockerHost([
      { id: 'a1', labels: agentLabels('100.64.1.2/16'), env: ['CATTLE_AGENT_IP=203.0.113.9'] },
    ]);
    const tcpHost: HostConfig = {
      name: 'h1' as HostName,
      underlayIp: null,
      docker: { scheme: 'tcp', host: '198.18.0.11', port: 2376, tls: null, connectTimeoutMs: 3000 },
    };
    expect((await discoverHost(tcpHost, fake, SELECTOR, OPTS)).findings).toEqual([
      expect.objectContaining({ code: 'agent-ip-misconfigured' }),
    ]);
    // A unix socket and no underlay IP: nothing to compare with, so no finding.
    const unixHost: HostConfig = { ...tcpHost, docker: { scheme: 'unix', socketPath: '/run/h1.sock' } };
    expect((await discoverHost(unixHost, fake, SELECTOR, OPTS)).findings).toBeUndefined();
  });

  it('turns an unreachable or silent endpoint into docker-unreachable', async () => {
    const refused = new FakeDockerHost([]);
    refused.listContainers = async () => {
      throw new TransportError(
        'unreachable',
        'unix:///run/h1.sock: list containers: Docker endpoint unreachable (ENOENT)',
      );
    };
    expect(await discoverHost(HOST, refused, SELECTOR, OPTS)).toMatchObject({
      state: 'unknown',
      agent: null,
      findings: [
        {
          code: 'docker-unreachable',
          message: 'unix:///run/h1.sock: list containers: Docker endpoint unreachable (ENOENT)',
        },
      ],
    });
    const silent = await discoverHost(HOST, new SilentClient(), SELECTOR, { deadlineMs: 200 });
    expect(silent).toMatchObject({ state: 'unknown', findings: [{ code: 'docker-unreachable' }] });
    expect(silent.error).toContain('no answer within 200 ms');
  });

  it('treats an agent that vanishes between list and inspect as down', async () => {
    const fake = new FakeDockerHost([{ id: 'a1' }]);
    fake.inspectContainer = async () => {
      throw new TransportError('not-found', 'no such container', 404);
    };
    expect(await discoverHost(HOST, fake, SELECTOR, OPTS)).toMatchObject({
      state: 'down',
      findings: [{ code: 'agent-down' }],
    });
  });
});

describe('pickOverlayIp', () => {
  it('reads iproute2 and BusyBox forms and skips tunnels and loopback', () => {
    const out = [
      '1: lo    inet 127.0.0.1/8 scope host lo',
      '3: ipsec0    inet 100.64.9.9/32 scope global ipsec0',
      '5: eth0@if6    inet 10.42.7.3/16 scope global eth0',
    ].join('\n');
    expect(pickOverlayIp(out, [])).toBe('10.42.7.3');
    expect(pickOverlayIp('garbage', [])).toBeNull();
  });
});
