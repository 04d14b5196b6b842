import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePingOutput } from '../../../../shared/probes/ping/parse-ping-output.js';

// Real outputs captured on loopback in a private network namespace (loss made with nftables drops),
// except iputils-host-unreachable and busybox-duplicates, written in those tools' exact formats.
const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ping/${name}.txt`, import.meta.url), 'utf8');

describe('parsePingOutput', () => {
  it.each([
    [
      'busybox-ok',
      {
        sent: 3,
        received: 3,
        lossRatio: 0,
        rttMs: { min: 0.063, avg: 0.078, max: 0.105 },
        samplesMs: [0.105, 0.068, 0.063],
      },
    ],
    [
      'iputils-ok',
      {
        sent: 3,
        received: 3,
        lossRatio: 0,
        rttMs: { min: 0.032, avg: 0.046, max: 0.055 },
        samplesMs: [0.032, 0.051, 0.055],
      },
    ],
    [
      'busybox-partial-loss',
      { sent: 6, received: 3, lossRatio: 0.5, rttMs: { min: 0.063, avg: 0.071, max: 0.083 } },
    ],
    ['iputils-partial-loss', { sent: 6, received: 5, lossRatio: 1 / 6 }],
    ['busybox-total-loss', { sent: 3, received: 0, lossRatio: 1, rttMs: null, samplesMs: [] }],
    ['iputils-total-loss', { sent: 3, received: 0, lossRatio: 1, rttMs: null }],
    [
      'iputils-host-unreachable',
      {
        sent: 3,
        received: 0,
        lossRatio: 1,
        errors: [
          'Destination Host Unreachable',
          'Destination Host Unreachable',
          'Destination Host Unreachable',
        ],
      },
    ],
    ['busybox-duplicates', { sent: 3, received: 3, lossRatio: 0, samplesMs: [0.512, 0.401, 0.455] }],
  ])('%s', (name, expected) => {
    expect(parsePingOutput(fixture(name))).toMatchObject({ ok: true, ...expected });
  });

  it.each(['busybox-network-unreachable', 'iputils-network-unreachable'])(
    '%s is a measured "unreachable"',
    (name) => {
      expect(parsePingOutput(fixture(name))).toEqual({
        ok: false,
        reason: 'Network is unreachable',
        unreachable: true,
      });
    },
  );

  it.each([
    ['garbage', 'no ping statistics in the output: Segmentation fault'],
    ['missing-binary', 'no ping statistics in the output: OCI runtime exec failed'],
  ])('%s is a typed failure, not a throw', (name, reason) => {
    const parsed = parsePingOutput(fixture(name));
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
    expect(!parsed.ok && parsed.unreachable).toBe(false);
  });

  it('refuses empty and self-contradicting output', () => {
    expect(parsePingOutput('')).toEqual({ ok: false, reason: 'ping printed nothing', unreachable: false });
    const impossible = parsePingOutput('3 packets transmitted, 5 packets received, 0% packet loss\n');
    expect(impossible).toEqual({
      ok: false,
      reason: 'inconsistent ping statistics (3 sent, 5 received)',
      unreachable: false,
    });
  });
});

describe('parsePingOutput, edge cases a host can print', () => {
  const reply = (seq: number, ms: string, extra = '') =>
    `64 bytes from 100.64.2.2: seq=${seq} ttl=64 time=${ms} ms${extra}`;
  const summary = (sent: number, received: number) =>
    `${sent} packets transmitted, ${received} packets received, ${Math.round((100 * (sent - received)) / sent)}% packet loss`;

  it('takes the RTT from the replies when the summary has no round-trip line', () => {
    const out = [reply(0, '1.5'), reply(1, '2.25'), reply(2, '0.5'), summary(3, 3)].join('\n');
    expect(parsePingOutput(out)).toEqual({
      ok: true,
      sent: 3,
      received: 3,
      lossRatio: 0,
      rttMs: { min: 0.5, avg: 1.417, max: 2.25 },
      samplesMs: [1.5, 2.25, 0.5],
      errors: [],
    });
  });

  it('leaves duplicate replies out of the samples and the RTT', () => {
    const out = [reply(0, '1'), reply(0, '9', ' (DUP!)'), reply(1, '3'), summary(2, 2)].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ samplesMs: [1, 3], rttMs: { min: 1, avg: 2, max: 3 } });
  });

  it('reads a reply only when its time is digits and dots followed by " ms", whatever the time', () => {
    const out = [
      reply(0, '2'),
      reply(1, '1'),
      reply(2, '1.5x'),
      '64 bytes from 100.64.2.2: seq=3 ttl=64 time= ms',
      reply(4, '0.25'),
      summary(5, 5),
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ ok: true, samplesMs: [2, 1, 0.25] });
  });

  it('takes "DUP!" only before a line break: after a CR or a Unicode line separator it is not a mark', () => {
    const out = [
      reply(0, '1', ' (DUP!)'),
      reply(1, '2', '\r (DUP!)'),
      reply(2, '3', '\u2028 (DUP!)'),
      reply(3, '4', '\u2029 (DUP!)'),
      reply(4, '5', 'DUP!'),
      summary(5, 5),
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ ok: true, samplesMs: [2, 3, 4] });
  });

  it('has no RTT at all when nothing came back and no summary line gives one', () => {
    expect(parsePingOutput(summary(3, 0))).toMatchObject({
      ok: true,
      received: 0,
      lossRatio: 1,
      rttMs: null,
    });
  });

  it('prefers the summary round-trip line over the replies', () => {
    const out = [reply(0, '5'), summary(1, 1), 'round-trip min/avg/max = 0.1/0.2/0.3 ms'].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ rttMs: { min: 0.1, avg: 0.2, max: 0.3 } });
  });

  it('does not read a summary or RTT line with junk around it', () => {
    expect(parsePingOutput(`x${summary(3, 3)}`).ok).toBe(false);
    const out = [reply(0, '5'), summary(1, 1), 'round-trip min/avg/max = 0.1/0.2/0.3 ms junk'].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ rttMs: { min: 5, avg: 5, max: 5 } });
  });

  it('collects the error lines ping prints, from both tools', () => {
    const out = [
      'From 198.18.0.12 icmp_seq=1 Destination Host Unreachable',
      'From 198.18.0.12 seq=2 Destination Net Prohibited',
      'ping: sendmsg: Operation not permitted',
      summary(3, 0),
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({
      errors: [
        'Destination Host Unreachable',
        'Destination Net Prohibited',
        'sendmsg: Operation not permitted',
      ],
    });
  });

  it('names routing failures without the syscall, and other failures by their first error', () => {
    expect(parsePingOutput('ping: sendto: No route to host\n')).toEqual({
      ok: false,
      reason: 'No route to host',
      unreachable: true,
    });
    expect(parsePingOutput('ping: bad address "x"\n')).toEqual({
      ok: false,
      reason: 'no ping statistics in the output: bad address "x"',
      unreachable: false,
    });
  });

  it('quotes at most 200 characters of an unrecognised first line', () => {
    const parsed = parsePingOutput(`  ${'z'.repeat(5000)}  \nmore`);
    expect(parsed).toEqual({
      ok: false,
      reason: `no ping statistics in the output: ${'z'.repeat(200)}`,
      unreachable: false,
    });
  });

  it('refuses statistics claiming nothing was sent', () => {
    expect(parsePingOutput('0 packets transmitted, 0 packets received\n')).toMatchObject({
      ok: false,
      reason: 'inconsistent ping statistics (0 sent, 0 received)',
    });
  });

  it('reads Windows line endings like Unix ones', () => {
    const out = [reply(0, '1'), summary(1, 1), 'round-trip min/avg/max = 1.0/1.0/1.0 ms'].join('\r\n');
    expect(parsePingOutput(out)).toMatchObject({
      ok: true,
      rttMs: { min: 1, avg: 1, max: 1 },
      samplesMs: [1],
    });
  });

  it('reads counts and sequence numbers of more than one digit', () => {
    const out = [
      reply(12, '1'),
      'From 198.18.0.12 icmp_seq=13 Destination Host Unreachable  ',
      summary(14, 12),
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({
      ok: true,
      sent: 14,
      received: 12,
      samplesMs: [1],
      errors: ['Destination Host Unreachable'],
    });
  });

  it('reads the iputils round-trip line with its mdev, over the replies', () => {
    const out = [
      reply(0, '1'),
      reply(1, '3'),
      summary(2, 2),
      'rtt min/avg/max/mdev = 0.5/0.6/0.7/0.100 ms',
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({ rttMs: { min: 0.5, avg: 0.6, max: 0.7 } });
  });

  it('counts neither replies, errors nor RTT lines that do not start the line', () => {
    const out = [
      reply(0, '1'),
      `junk ${reply(1, '9')}`,
      'junk From 198.18.0.12 icmp_seq=2 Destination Host Unreachable',
      'junk ping: sendmsg: x',
      // Starting with what a reply or an error line starts with is not enough either.
      `1 ${reply(2, '7')}`,
      'pre From 198.18.0.12 icmp_seq=2 Destination Host Unreachable',
      'From: ping: sendmsg: y',
      summary(3, 1),
      'junk round-trip min/avg/max = 5/5/5 ms',
    ].join('\n');
    expect(parsePingOutput(out)).toMatchObject({
      samplesMs: [1],
      errors: [],
      rttMs: { min: 1, avg: 1, max: 1 },
    });
  });

  it('keeps at most 200 characters of an error line', () => {
    const parsed = parsePingOutput(`ping: ${'x'.repeat(300)}\n${summary(1, 0)}`);
    expect(parsed.ok && parsed.errors).toEqual(['x'.repeat(200)]);
  });

  it('trims error lines and the first line it quotes', () => {
    expect(parsePingOutput(`ping: sendmsg: x   \n${summary(1, 0)}`)).toMatchObject({
      errors: ['sendmsg: x'],
    });
    expect(parsePingOutput('\n\n  short line  \nmore')).toEqual({
      ok: false,
      reason: 'no ping statistics in the output: short line',
      unreachable: false,
    });
  });

  it('strips only a leading syscall name from a routing failure', () => {
    expect(parsePingOutput('ping: No route to host, sendto: 198.18.0.12\n')).toEqual({
      ok: false,
      reason: 'No route to host, sendto: 198.18.0.12',
      unreachable: true,
    });
  });

  describe('round-trip figures a user can trust', () => {
    const reply = (seq: number, ms: string) => `64 bytes from 100.64.2.2: seq=${seq} ttl=64 time=${ms} ms`;
    const summary = (sent: number, received: number) =>
      `${sent} packets transmitted, ${received} packets received, 0% packet loss`;

    /** One 5 ms reply, its summary, then `line` where the round-trip line goes. */
    const rtt = (line: string) => parsePingOutput([reply(0, '5'), summary(1, 1), line].join('\n'));

    it('reads the round-trip line only whole: its head, its unit and nothing after', () => {
      expect(rtt('round-trip min/avg/max = 0.1/0.2/0.3 ms')).toMatchObject({
        rttMs: { min: 0.1, avg: 0.2, max: 0.3 },
      });
      expect(rtt('rtt min/avg/max/mdev = 0.1/0.2/0.3/0.05 ms')).toMatchObject({
        rttMs: { min: 0.1, avg: 0.2, max: 0.3 },
      });
      // Not the line: the samples give the RTT instead.
      for (const line of [
        'x round-trip min/avg/max = 0.1/0.2/0.3 ms',
        'round-trip min/avg/max = 0.1/0.2/0.3 s',
        'round-trip min/avg/max = 0.1/0.2/0.3',
        'round-trip min/avg = 0.1/0.2 ms',
        'rtt min/avg/max/mdev = 0.1/0.2/0.3/0.05/9 ms',
      ])
        expect(rtt(line), line).toMatchObject({ rttMs: { min: 5, avg: 5, max: 5 } });
    });

    it('refuses round-trip figures out of order or not numbers; zero is a fine RTT', () => {
      expect(rtt('round-trip min/avg/max = 0.000/0.000/0.000 ms')).toMatchObject({
        ok: true,
        rttMs: { min: 0, avg: 0, max: 0 },
      });
      for (const line of [
        'round-trip min/avg/max = 0.3/0.2/0.1 ms',
        'round-trip min/avg/max = 1.2.3/0.2/0.3 ms',
        'round-trip min/avg/max = 0.1/0.2/. ms',
        'round-trip min/avg/max = ./0.2/0.3 ms',
        'round-trip min/avg/max = 0.1/../0.3 ms',
        `round-trip min/avg/max = 0.1/0.2/${'9'.repeat(400)} ms`,
      ])
        expect(rtt(line), line).toEqual({
          ok: false,
          reason: 'ping printed a round-trip time that is not a number',
          unreachable: false,
        });
    });

    it('refuses a reply time that is not a number, even when the summary has its own figures', () => {
      const out = [reply(0, '1.2.3'), summary(1, 1), 'round-trip min/avg/max = 0.1/0.2/0.3 ms'].join('\n');
      expect(parsePingOutput(out)).toMatchObject({
        ok: false,
        reason: 'ping printed a round-trip time that is not a number',
      });
    });

    it('keeps an error line’s words but not its surrounding spaces', () => {
      expect(
        parsePingOutput(`From 198.18.0.12 icmp_seq=1   Destination Host Unreachable  \n${summary(1, 0)}`),
      ).toMatchObject({
        errors: ['Destination Host Unreachable'],
      });
    });
  });
});
