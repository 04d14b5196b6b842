import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { PathResult, SweepReport } from '../../../shared/domain/sweep-report.js';

const n = (s: string) => s as HostName;
const ip = (s: string) => s as Ipv4;

const up = (from: string, to: string, target: string, avg: number): PathResult => ({
  from: n(from),
  to: n(to),
  probe: 'overlay-icmp',
  target: ip(target),
  state: 'up',
  sent: 3,
  received: 3,
  lossRatio: 0,
  rttMs: { min: avg - 0.1, avg, max: avg + 0.1 },
});

/** Three hosts: h1↔h2 healthy, h1→h2 lossy, h3's Docker endpoint dead. */
export const SAMPLE_REPORT: SweepReport = {
  schemaVersion: 1,
  startedAt: '2026-01-02T03:04:05.000Z',
  durationMs: 812,
  status: 'unknown',
  hosts: [
    {
      name: n('h1'),
      state: 'up',
      underlayIp: ip('198.18.0.11'),
      agent: { containerId: 'a'.repeat(64), overlayIp: ip('100.64.1.2'), overlayIpSource: 'label' },
    },
    {
      name: n('h2'),
      state: 'up',
      underlayIp: ip('198.18.0.12'),
      agent: { containerId: 'b'.repeat(64), overlayIp: ip('100.64.2.2'), overlayIpSource: 'label' },
    },
    {
      name: n('h3'),
      state: 'unknown',
      agent: null,
      findings: [
        {
          code: 'docker-unreachable',
          message: 'tcp://198.18.0.99:2376: list containers: Docker endpoint unreachable (ECONNREFUSED)',
        },
      ],
      error: 'tcp://198.18.0.99:2376: list containers: Docker endpoint unreachable (ECONNREFUSED)',
    },
  ],
  paths: [
    { ...up('h1', 'h2', '100.64.2.2', 0.52), state: 'degraded', received: 2, lossRatio: 0.3333 },
    up('h2', 'h1', '100.64.1.2', 0.48),
  ],
  verdicts: [
    {
      from: n('h1'),
      to: n('h2'),
      state: 'degraded',
      cause: 'packet-loss',
      advice: 'Look for loss on the underlay between h1 and h2.',
      evidence: ['overlay ping 2/3'],
    },
    {
      from: n('h1'),
      to: n('h3'),
      state: 'unknown',
      cause: 'docker-unreachable',
      advice: "Check h3's Docker endpoint.",
      evidence: [],
    },
    { from: n('h2'), to: n('h1'), state: 'up', cause: 'ok', advice: 'No action needed.', evidence: [] },
    {
      from: n('h2'),
      to: n('h3'),
      state: 'unknown',
      cause: 'docker-unreachable',
      advice: "Check h3's Docker endpoint.",
      evidence: [],
    },
    {
      from: n('h3'),
      to: n('h1'),
      state: 'unknown',
      cause: 'docker-unreachable',
      advice: "Check h3's Docker endpoint.",
      evidence: [],
    },
    {
      from: n('h3'),
      to: n('h2'),
      state: 'unknown',
      cause: 'docker-unreachable',
      advice: "Check h3's Docker endpoint.",
      evidence: [],
      latent: false,
    },
  ],
};
