import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { HostResult } from '../../../shared/domain/sweep-report.js';
import { renderDiscoveryText } from '../../../shared/report/discovery-text.js';

const host = (name: string, agent: HostResult['agent'], extra: Partial<HostResult> = {}): HostResult => ({
  name: name as HostName,
  state: agent ? 'up' : 'unknown',
  agent,
  ...extra,
});

describe('tunnelwatch discover, as text', () => {
  it('says per host which Rancher layout was recognised and where its registered address comes from', () => {
    const text = renderDiscoveryText([
      host('h1', {
        containerId: 'a'.repeat(64),
        overlayIp: '100.64.1.2' as Ipv4,
        overlayIpSource: 'label',
        layout: 'rancher-1.6',
        advertisedIp: '198.18.0.11' as Ipv4,
        registration: 'rancher-agent',
      }),
      host('h2', {
        containerId: 'b'.repeat(64),
        overlayIp: '100.64.2.2' as Ipv4,
        overlayIpSource: 'label',
        layout: 'rancher-1.1',
        registration: 'auto-detected',
      }),
      host('h3', null, { error: 'connect timeout' }),
    ]);
    const [header, ...rows] = text.trimEnd().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual([
      'HOST',
      'STATE',
      'AGENT',
      'OVERLAY IP',
      'LAYOUT',
      'REGISTERED AS',
      'PROBLEM',
    ]);
    expect(rows.map((r) => r.split(/\s{2,}/))).toEqual([
      ['h1', 'up', 'aaaaaaaaaaaa', '100.64.1.2 (label)', 'rancher-1.6', '198.18.0.11 (rancher-agent)'],
      ['h2', 'up', 'bbbbbbbbbbbb', '100.64.2.2 (label)', 'rancher-1.1', 'auto-detected by Rancher'],
      ['h3', 'unknown', '-', '-', '-', '-', 'connect timeout'],
    ]);
  });
});
