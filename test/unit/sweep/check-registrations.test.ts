import { describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../shared/config/tunnelwatch-config.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4, OverlayIp } from '../../../shared/domain/ipv4.js';
import type { HostResult, PathResult, SaDetail } from '../../../shared/domain/sweep-report.js';
import { checkRegistrations } from '../../../shared/sweep/check-registrations.js';

const name = (s: string) => s as HostName;
const ip = (s: string) => s as Ipv4;
const hostResult = (n: number, advertised?: string): HostResult => ({
  name: name(`h${n}`),
  state: 'up',
  agent: {
    containerId: `c${n}`,
    overlayIp: `100.64.${n}.2` as OverlayIp,
    ...(advertised
      ? { advertisedIp: ip(advertised), registration: 'rancher-agent' as const }
      : { registration: 'auto-detected' as const }),
  },
});
const unixConfig = (n: number, underlay: string | null = null): HostConfig => ({
  name: name(`h${n}`),
  underlayIp: underlay ? ip(underlay) : null,
  docker: { scheme: 'unix', socketPath: `/run/h${n}.sock` },
});
const tcpConfig = (n: number): HostConfig => ({
  name: name(`h${n}`),
  underlayIp: null,
  docker: { scheme: 'tcp', host: `198.18.0.1${n}`, port: 2376, tls: null, connectTimeoutMs: 3000 },
});
const sa = (from: number, to: number, sa: Partial<SaDetail>): PathResult => ({
  from: name(`h${from}`),
  to: name(`h${to}`),
  probe: 'ipsec-sa',
  state: 'up',
  sent: 0,
  received: 0,
  lossRatio: 0,
  rttMs: null,
  sa: { ikeState: null, childState: null, ...sa },
});
const configs = (list: HostConfig[]) => new Map(list.map((c) => [c.name as string, c]));

describe('checkRegistrations: the peers’ view of a host’s address', () => {
  it('catches an auto-detected wrong address that discovery could not see, naming registered, real and dialled', () => {
    const hosts = [hostResult(1, '198.18.0.11'), hostResult(2)];
    const paths = [sa(1, 2, { dialed: [ip('198.18.0.250')], configured: true })];
    const [, h2] = checkRegistrations(hosts, paths, configs([tcpConfig(1), tcpConfig(2)]));
    expect(h2!.findings).toEqual([
      {
        code: 'agent-ip-misconfigured',
        message: expect.stringContaining("its peers' strongSwan dials 198.18.0.250"),
        addresses: { registered: null, real: '198.18.0.12', dialedByPeers: ['198.18.0.250'] },
      },
    ]);
    expect(h2!.error).toContain('auto-detected');
  });

  it('without underlayIp or an IP endpoint, the real address is where the peers’ established SAs see the host', () => {
    const hosts = [hostResult(1), hostResult(2, '198.18.0.250'), hostResult(3)];
    const paths = [
      sa(1, 2, { dialed: [ip('198.18.0.250')], ikeState: 'CONNECTING' }),
      sa(3, 2, { dialed: [ip('198.18.0.250')], ikeState: 'ESTABLISHED', remoteHost: ip('198.18.0.12') }),
    ];
    const [, h2] = checkRegistrations(hosts, paths, configs([unixConfig(1), unixConfig(2), unixConfig(3)]));
    expect(h2!.findings?.[0]?.addresses).toEqual({
      registered: '198.18.0.250',
      real: '198.18.0.12',
      dialedByPeers: ['198.18.0.250'],
    });
  });

  it('leaves hosts alone when the peers dial the real address, or nothing tells the real address', () => {
    const hosts = [hostResult(1, '198.18.0.11'), hostResult(2, '198.18.0.12')];
    const good = [sa(1, 2, { dialed: [ip('198.18.0.12')] }), sa(2, 1, { dialed: [ip('198.18.0.11')] })];
    expect(checkRegistrations(hosts, good, configs([tcpConfig(1), tcpConfig(2)]))).toEqual(hosts);
    const blind = [sa(1, 2, { dialed: [ip('198.18.0.250')], ikeState: 'CONNECTING' })];
    expect(checkRegistrations(hosts, blind, configs([unixConfig(1), unixConfig(2)]))).toEqual(hosts);
  });

  it('replaces discovery’s finding with one that also names what the peers dial', () => {
    const h2 = {
      ...hostResult(2, '198.18.0.250'),
      findings: [{ code: 'agent-ip-misconfigured' as const, message: 'from discovery' }],
    };
    const out = checkRegistrations(
      [hostResult(1), h2],
      [sa(1, 2, { dialed: [ip('198.18.0.250')] })],
      configs([unixConfig(1), unixConfig(2, '198.18.0.12')]),
    );
    expect(out[1]!.findings).toHaveLength(1);
    expect(out[1]!.findings![0]!.addresses?.dialedByPeers).toEqual(['198.18.0.250']);
  });
});
