import { beforeAll, describe, expect, inject, it } from 'vitest';
import { planHosts } from '../lab/address-plan.js';
import { agentExec, installedChildren } from '../lab/agent-container.js';
import { docker } from '../lab/docker-cli.js';
import { fault, heal, status } from '../lab/lab.js';

const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');

describe.skipIf(skipReason !== '')('lab agents', () => {
  const hosts = planHosts(hostCount);
  const h1 = hosts[0]!;
  const h2 = hosts[1]!;

  beforeAll(async () => {
    await heal({ waitForTunnelsMs: 120_000 });
  });

  it('runs one labelled agent per host advertising its underlay address', async () => {
    const s = await status();
    expect(s.up).toBe(true);
    expect(s.hosts.map((h) => h.name)).toEqual(hosts.map((h) => h.name));
    for (const h of hosts) {
      const { stdout } = await docker(h, [
        'ps',
        // The lab's default layout is Rancher 1.6: the ipsec stack's router (its sidekick has launch
        // config connectivity-check), which carries the overlay IP label as Rancher sets it.
        '--filter',
        'label=io.rancher.stack_service.name=ipsec/ipsec',
        '--filter',
        'label=io.rancher.service.launch.config=router',
        '--format',
        '{{.ID}} {{.Label "io.rancher.container.ip"}}',
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.split(' ')[1]).toBe(`${h.overlayIp}/16`);
      expect(s.hosts.find((x) => x.name === h.name)?.advertisedIp).toBe(h.underlayIp);
    }
  });

  it('has a CHILD_SA to every peer installed on every agent', async () => {
    for (const h of hosts) {
      const children = await installedChildren(h);
      expect([...children].sort()).toEqual(
        hosts
          .filter((p) => p !== h)
          .map((p) => `${h.name}-${p.name}`)
          .sort(),
      );
    }
  });

  it('carries the overlay ping through the tunnel: it breaks when UDP 4500 is dropped and returns after heal', async () => {
    const ping = () => agentExec(h1, ['ping', '-c', '2', '-i', '0.2', '-W', '1', h2.overlayIp]);
    expect((await ping()).code).toBe(0);
    const route = await agentExec(h1, ['ip', 'route', 'get', h2.overlayIp]);
    expect(route.stdout).toContain('dev ipsec0');
    await fault('block-udp4500', [h1.name, h2.name]);
    try {
      const broken = await ping();
      expect(broken.code).not.toBe(0);
      expect(broken.stdout).toContain('100% packet loss');
    } finally {
      await heal({ waitForTunnelsMs: 120_000 });
    }
    expect((await ping()).code).toBe(0);
  });
});
