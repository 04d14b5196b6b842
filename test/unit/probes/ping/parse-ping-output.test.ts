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
    expect(impossible).toMatchObject({
      ok: false,
      reason: 'inconsistent ping statistics (3 sent, 5 received)',
    });
  });
});
