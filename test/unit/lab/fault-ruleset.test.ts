import { describe, expect, it } from 'vitest';
import { planHosts } from '../../lab/address-plan.js';
import { parseFault } from '../../lab/fault-kind.js';
import { renderFaultRuleset } from '../../lab/fault-ruleset.js';

const hosts = planHosts(3);
const [h1, h2, h3] = hosts as [(typeof hosts)[0], (typeof hosts)[0], (typeof hosts)[0]];

describe('renderFaultRuleset', () => {
  it('blocks UDP 4500 both ways as egress rules on each side, nothing on uninvolved hosts', () => {
    const faults = [parseFault('block-udp4500', ['h1', 'h2'], hosts)];
    expect(renderFaultRuleset(h1, hosts, faults)).toContain('ip daddr 198.18.0.12 udp dport 4500 drop');
    expect(renderFaultRuleset(h1, hosts, faults)).toContain('ip daddr 198.18.0.12 udp sport 4500 drop');
    expect(renderFaultRuleset(h2, hosts, faults)).toContain('ip daddr 198.18.0.11 udp dport 4500 drop');
    expect(renderFaultRuleset(h3, hosts, faults)).not.toContain('drop');
  });

  it('one-way blocks only the sender side', () => {
    const faults = [parseFault('block-udp500', ['2', 'h3', '--one-way'], hosts)];
    expect(renderFaultRuleset(h2, hosts, faults)).toContain('ip daddr 198.18.0.13 udp dport 500 drop');
    expect(renderFaultRuleset(h3, hosts, faults)).not.toContain('drop');
  });

  it('uses numgen for partial loss and a plain drop for total loss (nft rejects "< 100")', () => {
    const partial = renderFaultRuleset(h1, hosts, [parseFault('loss', ['h1', 'h2', '30'], hosts)]);
    expect(partial).toContain('ip daddr 198.18.0.12 numgen random mod 100 < 30 drop');
    const total = renderFaultRuleset(h2, hosts, [parseFault('loss', ['h1', 'h2', '100%'], hosts)]);
    expect(total).toContain('ip daddr 198.18.0.11 drop');
  });

  it('drops the Docker TLS port on the host whose API is down, and replaces the table atomically', () => {
    const text = renderFaultRuleset(h2, hosts, [parseFault('docker-down', ['h2'], hosts)]);
    expect(text).toMatch(/chain local_in \{\n.*hook input.*\n\s+tcp dport 2376 drop/);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'table inet tunnelwatch_fault',
      'delete table inet tunnelwatch_fault',
      'table inet tunnelwatch_fault {',
    ]);
    expect(text).not.toMatch(/chain fwd\b/);
  });
});

describe('parseFault', () => {
  it.each([
    [['block-udp4500', ['h1']], 'expected block-udp4500 A B'],
    [['partition', ['h1', 'h1']], 'a host and itself'],
    [['loss', ['h1', 'h2', '0']], 'PERCENT must be an integer from 1 to 100'],
    [['loss', ['h1', 'h2', '1e2']], 'PERCENT must be an integer from 1 to 100'],
    [['stop-agent', ['h9']], 'unknown host "h9": expected one of h1, h2, h3'],
    [['stop-agent', ['h1', '--one-way']], 'unknown option --one-way'],
    [['reboot', ['h1']], 'unknown fault kind "reboot"'],
  ] as const)('rejects %j', ([kind, args], message) => {
    expect(() => parseFault(kind, args, hosts)).toThrow(message);
  });
});
