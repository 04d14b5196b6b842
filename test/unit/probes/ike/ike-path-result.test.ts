import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import { ikePathResult, parseIkeProbeLines } from '../../../../shared/probes/ike/ike-path-result.js';

// What the IKE probe program prints, one line per probe (`<id> <outcome> [rtt µs] [reply hex]`),
// and the path result each line becomes. The reply is charon's captured INVALID_KE_PAYLOAD.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ike/${name}`, import.meta.url), 'utf8').trim();
const REPLY = fixture('udp500-invalid-ke.reply.hex');
const SPI = new Uint8Array(Buffer.from(fixture('udp500-invalid-ke.spi.hex'), 'hex'));
const h1 = 'h1' as HostName;
const h2 = 'h2' as HostName;
const target = '198.18.0.12' as Ipv4;
const result = (fields: string[] | undefined, port: 500 | 4500 = 500) =>
  ikePathResult(h1, h2, port, target, SPI, fields);

describe('parseIkeProbeLines', () => {
  it('keeps one entry per probe id, fields split on any run of spaces or tabs', () => {
    const lines = parseIkeProbeLines(
      `p0-500 answered 512 ${REPLY}\n  p0-4500\ttimeout  \np1-500 refused\n- end\n\nlonely\n`,
    );
    expect([...lines.entries()]).toEqual([
      ['p0-500', ['answered', '512', REPLY]],
      ['p0-4500', ['timeout']],
      ['p1-500', ['refused']],
    ]);
  });
});

describe('ikePathResult', () => {
  it('an IKE answer carrying our SPI: up, one packet each way, its RTT in ms', () => {
    expect(result(['answered', '1234', REPLY])).toEqual({
      from: h1,
      to: h2,
      probe: 'ike-udp500',
      target,
      sent: 1,
      received: 1,
      lossRatio: 0,
      state: 'up',
      rttMs: { min: 1.23, avg: 1.23, max: 1.23 },
      ike: { outcome: 'answered', response: 'INVALID_KE_PAYLOAD' },
    });
  });

  it('an answer whose RTT is missing or not a small whole number of µs has no RTT, still up', () => {
    for (const rtt of ['-', '12a', '1234567890', '']) {
      expect(result(['answered', rtt, REPLY])).toMatchObject({ state: 'up', rttMs: null });
    }
  });

  it('timeout and refused are lost packets; refused says nothing listens', () => {
    expect(result(['timeout'], 4500)).toMatchObject({
      probe: 'ike-udp4500',
      state: 'down',
      sent: 1,
      received: 0,
      lossRatio: 1,
      ike: { outcome: 'timeout' },
    });
    // A timeout has nothing more to say: no error field at all, not one that is undefined.
    expect(Object.keys(result(['timeout']))).not.toContain('error');
    expect(result(['refused'])).toMatchObject({
      state: 'down',
      ike: { outcome: 'refused' },
      error: 'ICMP port unreachable: nothing listens on UDP 500 at 198.18.0.12',
    });
  });

  it('takes reply bytes only from whole lower-case hex: junk before or after is no reply at all', () => {
    for (const hex of [`zz${REPLY}`, `${REPLY}zz`, REPLY.toUpperCase(), `${REPLY}g0`]) {
      expect(result(['answered', '10', hex]).error).toBe(
        'UDP 500 answered, but not with IKE (no reply bytes)',
      );
    }
  });

  it('an answer that is not IKE, or not hex, or missing, is unknown with the reason', () => {
    for (const hex of [undefined, 'zz', 'abc', `x${REPLY}`, `${REPLY}0`, '00'.repeat(10)]) {
      const path = result(hex === undefined ? ['answered', '10'] : ['answered', '10', hex]);
      expect(path).toMatchObject({ state: 'unknown', sent: 1, ike: { outcome: 'error' } });
      expect(path.error).toMatch(/^UDP 500 answered, but not with IKE \(/);
    }
    expect(result(['answered', '10']).error).toBe('UDP 500 answered, but not with IKE (no reply bytes)');
  });

  it('a line the program never printed, or an outcome it does not know, is unknown with the words it printed', () => {
    expect(result(undefined)).toMatchObject({
      state: 'unknown',
      error: 'the IKE probe program did not report this probe',
    });
    const odd = result(['error', 'socket:', 'permission', 'denied']);
    expect(odd).toMatchObject({ state: 'unknown', ike: { outcome: 'error' } });
    expect(odd.error).toBe('the IKE probe could not run (error socket: permission denied)');
    expect(result(['error', 'x'.repeat(200)]).error).toBe(
      `the IKE probe could not run (error ${'x'.repeat(74)})`,
    );
  });
});
