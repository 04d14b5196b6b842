import { describe, expect, it } from 'vitest';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import { CidrIndex } from '../../../../shared/probes/ipsec-sa/cidr-index.js';

const ip = (s: string) => s as Ipv4;

describe('CidrIndex', () => {
  it('finds the item whose selector contains the address, for any prefix length', () => {
    const index = new CidrIndex<string>();
    index.add('100.64.2.0/24', 'h2');
    index.add('100.64.3.2/32', 'h3');
    index.add('100.64.3.2', 'h3-bare');
    index.add('0.0.0.0/0', 'default');
    expect(index.find(ip('100.64.2.77'))).toBe('h2');
    expect(index.find(ip('100.64.3.2'))).toBe('h3');
    expect(index.find(ip('198.18.0.1'))).toBe('default');
  });

  it('returns the first item added when several contain the address, as a find over them in order would', () => {
    const index = new CidrIndex<string>();
    index.add('100.64.0.0/16', 'wide');
    index.add('100.64.2.0/24', 'narrow');
    expect(index.find(ip('100.64.2.1'))).toBe('wide');
    const reversed = new CidrIndex<string>();
    reversed.add('100.64.2.0/24', 'narrow');
    reversed.add('100.64.0.0/16', 'wide');
    expect(reversed.find(ip('100.64.2.1'))).toBe('narrow');
    expect(reversed.find(ip('100.64.9.1'))).toBe('wide');
  });

  it('ignores selectors that are not IPv4 CIDRs and finds nothing outside every selector', () => {
    const index = new CidrIndex<string>();
    for (const bad of ['100.64.2.0/33', '100.64.2.0/x', '300.1.1.1/32', 'fd00::/8', '1.2.3.4/8/9', ''])
      index.add(bad, bad);
    index.add('100.64.2.0/24', 'h2');
    expect(index.find(ip('100.64.3.1'))).toBeUndefined();
    expect(index.find(ip('100.64.2.1'))).toBe('h2');
  });

  it('matches 500 peers against 500 selectors, each its own', () => {
    const index = new CidrIndex<number>();
    for (let n = 1; n <= 500; n++) index.add(`100.64.${n >> 8}.${n & 255}/32`, n);
    for (let n = 1; n <= 500; n++) expect(index.find(ip(`100.64.${n >> 8}.${n & 255}`))).toBe(n);
  });
});
