import { describe, expect, it } from 'vitest';
import { parseIpv4, parseOverlayLabel } from '../../../shared/domain/ipv4.js';

/** The definition, spelled as a pattern: four decimal octets 0–255, no leading zeros. */
function reference(text: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1);
  return octets.every((o) => Number(o) <= 255 && (o.length === 1 || !o.startsWith('0'))) ? text : null;
}

/** A deterministic stream of near-addresses: dotted groups of digits, half of them then bent by one character. */
function* nearAddresses(count: number): Generator<string> {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const digits = () => String(next(10) === 0 ? next(10) : next(400)).padStart(1 + next(2) * next(3), '0');
  const alphabet = '0123456789.x /';
  for (let i = 0; i < count; i++) {
    const groups = Array.from({ length: 3 + next(3) }, digits);
    let text = groups.join('.');
    if (next(2) === 0) {
      const at = next(text.length + 1);
      const c = alphabet[next(alphabet.length)]!;
      const edit = next(3);
      text = text.slice(0, at) + (edit === 2 ? '' : c) + text.slice(edit === 0 ? at : at + 1);
    }
    yield text;
  }
}

describe('parseIpv4', () => {
  it.each([
    ['0.0.0.0', '0.0.0.0'],
    ['198.18.0.11', '198.18.0.11'],
    ['255.255.255.255', '255.255.255.255'],
    ['100.64.200.2', '100.64.200.2'],
  ])('accepts %s', (text, ip) => {
    expect(parseIpv4(text)).toBe(ip);
  });

  it.each([
    ['an octet past 255', '256.1.1.1'],
    ['a last octet past 255', '1.1.1.256'],
    ['a leading zero', '01.2.3.4'],
    ['a leading zero in the last octet', '1.2.3.04'],
    ['a zero octet written twice', '1.00.3.4'],
    ['four digits', '1.2.3.1000'],
    ['three octets', '1.2.3'],
    ['five octets', '1.2.3.4.5'],
    ['a trailing dot', '1.2.3.4.'],
    ['a leading dot', '.1.2.3.4'],
    ['an empty octet', '1..3.4'],
    ['a prefix', '1.2.3.4/16'],
    ['spaces', ' 1.2.3.4'],
    ['a sign', '1.2.3.+4'],
    ['a letter for an octet', '1.2.3.x'],
    ['a letter after an octet', '1.2.3.4a'],
    ['the character after 9', '1.2.:.4'],
    ['nothing', ''],
    ['over 15 characters', '001.002.003.0004'],
  ])('refuses %s (%s)', (_, text) => {
    expect(parseIpv4(text)).toBeNull();
  });

  it('agrees with the definition on 50,000 near-addresses', () => {
    let valid = 0;
    for (const text of nearAddresses(50_000)) {
      const expected = reference(text);
      if (expected !== null) valid++;
      expect(parseIpv4(text), text).toBe(expected);
    }
    // The stream reaches both answers, often.
    expect(valid).toBeGreaterThan(1_000);
    expect(valid).toBeLessThan(45_000);
  });
});

describe("parseOverlayLabel (Rancher's io.rancher.container.ip)", () => {
  it.each([
    ['10.42.7.3/16', { ip: '10.42.7.3', prefix: 16 }],
    ['10.42.7.3', { ip: '10.42.7.3', prefix: 32 }],
    ['  100.64.2.2/1 ', { ip: '100.64.2.2', prefix: 1 }],
    ['100.64.2.2/32', { ip: '100.64.2.2', prefix: 32 }],
  ])('reads %j', (label, expected) => {
    expect(parseOverlayLabel(label)).toEqual(expected);
  });

  it.each([
    ['a prefix of 0', '10.42.7.3/0'],
    ['a prefix past 32', '10.42.7.3/33'],
    ['a prefix of three digits', '10.42.7.3/016'],
    ['a prefix with junk before', '10.42.7.3/x16'],
    ['a prefix with junk after', '10.42.7.3/16x'],
    ['two prefixes', '10.42.7.3/16/16'],
    ['an empty prefix', '10.42.7.3/'],
    ['no address', '/16'],
    ['a bad address', '10.42.7/16'],
    ['over 64 characters', `10.42.7.3/16${' '.repeat(60)}`],
  ])('refuses %s', (_, label) => {
    expect(parseOverlayLabel(label)).toBeNull();
  });

  it('takes a label of exactly 64 characters, padding included', () => {
    const label = `10.42.7.3/16${' '.repeat(52)}`;
    expect(label).toHaveLength(64);
    expect(parseOverlayLabel(label)).toEqual({ ip: '10.42.7.3', prefix: 16 });
  });
});
