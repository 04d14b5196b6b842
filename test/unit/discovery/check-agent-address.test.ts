import { describe, expect, it } from 'vitest';
import { checkAgentAddress, expectedAgentAddress } from '../../../shared/discovery/check-agent-address.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';

const ip = (s: string) => s as Ipv4;
const h1 = 'h1' as HostName;
const tcp = (host: string) => ({ scheme: 'tcp', host, port: 2376 });
const unix = { scheme: 'unix', socketPath: '/run/h1.sock' };

describe('checkAgentAddress', () => {
  it.each([
    ['matches the configured underlay IP', ip('198.18.0.11'), ip('198.18.0.11'), tcp('198.18.0.99')],
    [
      'matches the Docker endpoint host when no underlay IP is configured',
      ip('198.18.0.11'),
      null,
      tcp('198.18.0.11'),
    ],
    ['no advertised address known', undefined, ip('198.18.0.11'), unix],
    ['no expectation: unix socket and no underlay IP', ip('203.0.113.7'), null, unix],
    ['no expectation: endpoint is a DNS name', ip('203.0.113.7'), null, tcp('h1.example.internal')],
  ])('no finding when it %s', (_n, advertisedIp, underlayIp, dockerEndpoint) => {
    expect(checkAgentAddress({ host: h1, advertisedIp, underlayIp, dockerEndpoint })).toBeNull();
  });

  it('flags a NAT’d address against the configured underlay IP, with the fix', () => {
    const finding = checkAgentAddress({
      host: h1,
      advertisedIp: ip('203.0.113.7'),
      underlayIp: ip('198.18.0.11'),
      dockerEndpoint: unix,
    });
    expect(finding).toEqual({
      code: 'agent-ip-misconfigured',
      message:
        'h1 is registered with Rancher as 203.0.113.7 (CATTLE_AGENT_IP) but its address is 198.18.0.11 ' +
        '(from the config underlayIp); re-register the host with CATTLE_AGENT_IP=198.18.0.11',
      addresses: { registered: '203.0.113.7', real: '198.18.0.11', dialedByPeers: [] },
    });
  });

  it('prefers the configured underlay IP over the Docker endpoint host', () => {
    expect(
      expectedAgentAddress({ underlayIp: ip('198.18.0.11'), dockerEndpoint: tcp('198.18.0.50') }),
    ).toEqual({
      ip: '198.18.0.11',
      basis: 'config underlayIp',
    });
    const finding = checkAgentAddress({
      host: h1,
      advertisedIp: ip('198.18.0.50'),
      underlayIp: ip('198.18.0.11'),
      dockerEndpoint: tcp('198.18.0.50'),
    });
    expect(finding?.code).toBe('agent-ip-misconfigured');
  });

  it('uses an ssh endpoint’s IPv4 host too', () => {
    const finding = checkAgentAddress({
      host: h1,
      advertisedIp: ip('198.18.0.12'),
      underlayIp: null,
      dockerEndpoint: { scheme: 'ssh', host: '198.18.0.11' },
    });
    expect(finding?.message).toContain('from the Docker endpoint');
  });
});
