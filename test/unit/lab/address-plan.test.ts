import { describe, expect, it } from 'vitest';
import { planHost, planHosts, resolveHost } from '../../lab/address-plan.js';
import { renderSwanctlConf } from '../../lab/swanctl-config.js';

describe('lab address plan', () => {
  it('derives every address of host n from n, inside the lab ranges', () => {
    expect(planHost(3)).toMatchObject({
      netns: 'tw-h3',
      underlayIp: '198.18.0.13',
      overlayIp: '100.64.3.2',
      dockerBip: '198.19.3.1/24',
      tlsEndpoint: 'tcp://198.18.0.13:2376',
      unixSocket: '/run/tunnelwatch-lab/h3/docker.sock',
    });
    for (const h of planHosts(8)) expect(h.bridgePort.length).toBeLessThanOrEqual(15);
  });

  it('refuses host counts outside 2..8 and unknown hosts, naming the fix', () => {
    expect(() => planHosts(9)).toThrow('--hosts must be an integer from 2 to 8');
    expect(() => planHosts(1)).toThrow('--hosts must be an integer from 2 to 8');
    expect(() => resolveHost('h4', planHosts(3))).toThrow('expected one of h1, h2, h3');
    expect(resolveHost('2', planHosts(3)).name).toBe('h2');
  });
});

describe('renderSwanctlConf', () => {
  const hosts = planHosts(3);
  const peers = hosts.map((h) => ({ host: h, advertisedIp: h.underlayIp }));

  it('lets only the lower-numbered host of a pair initiate, with encap, DPD and endless retries', () => {
    const h2 = renderSwanctlConf(hosts[1]!, peers, 'a'.repeat(32));
    const toH1 = h2.slice(h2.indexOf('h2-h1 {'), h2.indexOf('h2-h3 {'));
    const toH3 = h2.slice(h2.indexOf('h2-h3 {'));
    expect(toH1).toContain('start_action = none');
    expect(toH3).toContain('start_action = start');
    expect(toH3).toContain('remote_ts = 100.64.3.0/24');
    for (const setting of [
      'encap = yes',
      'dpd_delay = 10s',
      'keyingtries = 0',
      'remote_addrs = 198.18.0.13',
    ]) {
      expect(toH3).toContain(setting);
    }
  });

  it('points tunnels at the advertised address, not the real one', () => {
    const wrong = peers.map((p) =>
      p.host.name === 'h2' ? { ...p, advertisedIp: '198.18.0.250' as never } : p,
    );
    expect(renderSwanctlConf(hosts[0]!, wrong, 'a'.repeat(32))).toContain('remote_addrs = 198.18.0.250');
  });
});
