// The one builder of SweepReports for tests, the page's screenshots and the benchmarks: paths shaped
// like what a sweep of the lab measures (hosts h1..hN on 198.18.0.(10+n), agents on 100.64.n.2),
// verdicts from the product's own `diagnose` (so causes, evidence and advice are the real ones).
// Deterministic: RTTs come from a seeded generator, so a test or a screenshot is the same every run.
import { diagnose } from '../../shared/diagnosis/diagnose.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentName } from '../../shared/domain/environment-name.js';
import type { HostName } from '../../shared/domain/host-name.js';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import { PathsByPair } from '../../shared/domain/paths-by-pair.js';
import {
  type HostFinding,
  type HostResult,
  type PathResult,
  SCHEMA_VERSION,
  type SweepReport,
} from '../../shared/domain/sweep-report.js';
import { sweepStatus } from '../../shared/sweep/run-sweep.js';
import { seededRandom } from './seeded-random.js';

/**
 * What is wrong on the paths from one host to another, named after the cause `diagnose` gives when
 * it holds both ways (`bothWays`). Faults of the hosts themselves are `hostFindings`.
 */
export type PathFault =
  | 'packet-loss'
  | 'mtu-blackhole'
  | 'udp-4500-blocked'
  | 'udp-500-blocked'
  | 'tunnel-down'
  | 'ike-negotiation-failed'
  | 'underlay-unreachable';

export type PairKey = `${string}>${string}`;

export interface ReportOptions {
  /** How many hosts (h1..hN), or their names. */
  hosts: number | readonly string[];
  environment?: EnvironmentName;
  startedAt?: Date | string;
  durationMs?: number;
  /** Faults of ordered pairs "from>to" (the paths measured from `from`); the rest are healthy. */
  faults?: Partial<Record<PairKey, PathFault>>;
  /** Findings of discovery by host name; agent-missing / docker-unreachable leave the host without agent. */
  hostFindings?: Record<string, HostFinding[]>;
  seed?: number;
}

export const hostName = (n: number) => `h${n}` as HostName;

export function hostNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `h${i + 1}`);
}

/** The same fault on both directions of a pair, as a firewall rule or a dead tunnel causes it. */
export function bothWays(a: string, b: string, fault: PathFault): Partial<Record<PairKey, PathFault>> {
  return { [`${a}>${b}`]: fault, [`${b}>${a}`]: fault };
}

export function buildReport(options: ReportOptions): SweepReport {
  const names = typeof options.hosts === 'number' ? hostNames(options.hosts) : options.hosts;
  const rand = seededRandom(options.seed ?? 42);
  const hosts = names.map((name, i) => hostResult(name, i + 1, options.hostFindings?.[name]));
  const paths: PathResult[] = [];
  for (const from of hosts) {
    if (!from.agent) continue;
    for (const to of hosts) {
      if (to === from || !to.agent) continue;
      paths.push(...measuredPaths(from, to, options.faults?.[`${from.name}>${to.name}`], rand));
    }
  }
  // Indexed once: filtering every path per pair is N⁴, minutes at the benchmark's 200 hosts.
  const byPair = new PathsByPair(paths);
  const verdicts = hosts.flatMap((from) =>
    hosts
      .filter((to) => to !== from)
      .map((to) =>
        diagnose({
          from,
          to,
          forward: [...byPair.get(from.name, to.name)],
          reverse: [...byPair.get(to.name, from.name)],
        }),
      ),
  );
  const startedAt = options.startedAt ?? '2025-01-01T12:00:00.000Z';
  return {
    schemaVersion: SCHEMA_VERSION,
    environment: options.environment ?? DEFAULT_ENVIRONMENT,
    startedAt: typeof startedAt === 'string' ? startedAt : startedAt.toISOString(),
    durationMs: options.durationMs ?? 1200 + names.length * 40,
    status: sweepStatus(hosts, verdicts),
    hosts,
    paths,
    verdicts,
  };
}

function hostResult(name: string, n: number, findings: HostFinding[] | undefined): HostResult {
  const underlayIp = `198.18.0.${10 + (n % 240)}` as Ipv4;
  const noAgent = findings?.some((f) => f.code === 'agent-missing' || f.code === 'docker-unreachable');
  const host: HostResult = {
    name: name as HostName,
    state: noAgent ? (findings?.some((f) => f.code === 'docker-unreachable') ? 'unknown' : 'down') : 'up',
    underlayIp,
    agent: noAgent
      ? null
      : {
          containerId: (n * 0x9e3779b1).toString(16).padStart(12, '0').slice(0, 12),
          overlayIp: `100.64.${n % 256}.2` as Ipv4,
          overlayIpSource: 'label',
          advertisedIp: findings?.some((f) => f.code === 'agent-ip-misconfigured')
            ? ('198.18.0.250' as Ipv4)
            : underlayIp,
        },
  };
  if (findings?.length) {
    host.findings = findings;
    host.error = findings.map((f) => f.message).join('; ');
  }
  return host;
}

function measuredPaths(
  from: HostResult,
  to: HostResult,
  fault: PathFault | undefined,
  rand: () => number,
): PathResult[] {
  const base = 0.25 + rand() * 0.6;
  const ping = (probe: 'overlay-icmp' | 'underlay-icmp', lost: number, extra: number): PathResult => {
    const samples = Array.from({ length: 3 - lost }, () => round3(base + extra + rand() * 0.15));
    return {
      from: from.name,
      to: to.name,
      probe,
      target: probe === 'overlay-icmp' ? to.agent!.overlayIp : to.underlayIp!,
      state: lost === 0 ? 'up' : lost === 3 ? 'down' : 'degraded',
      sent: 3,
      received: 3 - lost,
      lossRatio: round3(lost / 3),
      rttMs:
        samples.length === 0
          ? null
          : {
              min: Math.min(...samples),
              avg: round3(samples.reduce((a, b) => a + b, 0) / samples.length),
              max: Math.max(...samples),
            },
      samplesMs: samples,
    };
  };
  const ike = (probe: 'ike-udp500' | 'ike-udp4500', blocked: boolean): PathResult => {
    const rtt = round3(base + 0.2);
    return {
      from: from.name,
      to: to.name,
      probe,
      target: to.underlayIp!,
      state: blocked ? 'down' : 'up',
      sent: 1,
      received: blocked ? 0 : 1,
      lossRatio: blocked ? 1 : 0,
      rttMs: blocked ? null : { min: rtt, avg: rtt, max: rtt },
      ike: blocked ? { outcome: 'timeout' } : { outcome: 'answered', response: 'INVALID_KE_PAYLOAD' },
    };
  };
  const overlayLost =
    fault === 'packet-loss'
      ? 1
      : fault === undefined || fault === 'udp-500-blocked' || fault === 'mtu-blackhole'
        ? 0
        : 3;
  const underlayDead = fault === 'underlay-unreachable';
  // The SA lags a blocked port by minutes (DPD): strongSwan still shows it ESTABLISHED.
  const sa =
    fault === 'tunnel-down'
      ? { ikeState: null, childState: null }
      : fault === 'ike-negotiation-failed'
        ? { ikeState: 'CONNECTING', childState: null }
        : {
            ikeState: 'ESTABLISHED',
            childState: 'INSTALLED',
            establishedSec: Math.round(300 + rand() * 3000),
            rekeySec: Math.round(10000 + rand() * 3000),
            bytesIn: Math.round(rand() * 1e6),
            bytesOut: Math.round(rand() * 1e6),
          };
  // The MTU ladder: every rung passes on a healthy overlay, none on a dead one; a black hole
  // swallows only the largest rung.
  const ladder = [1400, 1300, 1200, 1000].map((bytes) => {
    const passes = overlayLost < 3 && !(fault === 'mtu-blackhole' && bytes > 1300);
    return { bytes, sent: 2, received: passes ? 2 : 0 };
  });
  const passed = ladder.filter((r) => r.received > 0).map((r) => r.bytes);
  const mtuSent = ladder.reduce((n, r) => n + r.sent, 0);
  const mtuReceived = ladder.reduce((n, r) => n + r.received, 0);
  const mtu: PathResult = {
    from: from.name,
    to: to.name,
    probe: 'overlay-mtu',
    target: to.agent!.overlayIp,
    state: mtuReceived === mtuSent ? 'up' : mtuReceived === 0 ? 'down' : 'degraded',
    sent: mtuSent,
    received: mtuReceived,
    lossRatio: round3(1 - mtuReceived / mtuSent),
    rttMs: null,
    mtu: { pmtu: passed.length > 0 ? Math.max(...passed) : null, ceiling: 1400, ladder },
  };
  return [
    ping('overlay-icmp', overlayLost, 0.35),
    ping('underlay-icmp', underlayDead ? 3 : 0, 0),
    ike('ike-udp500', fault === 'udp-500-blocked' || underlayDead),
    ike('ike-udp4500', fault === 'udp-4500-blocked' || underlayDead),
    {
      from: from.name,
      to: to.name,
      probe: 'ipsec-sa',
      target: to.underlayIp!,
      state: sa.ikeState === 'ESTABLISHED' ? 'up' : 'down',
      sent: 0,
      received: 0,
      lossRatio: 0,
      rttMs: null,
      sa,
    },
    mtu,
  ];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The lab with one fault injected: UDP 4500 dropped between h1 and h3 (both directions), as
 * `lab fault block-udp4500 h1 h3` does — overlay ping lost, SA still ESTABLISHED, IKE on 500 answering.
 */
export function labFaultReport(startedAt: Date): SweepReport {
  return buildReport({
    hosts: 4,
    startedAt,
    durationMs: 1830,
    faults: bothWays('h1', 'h3', 'udp-4500-blocked'),
  });
}

/** Six hosts with every host-level problem the page shows on its headers. */
export function hostProblemsReport(startedAt: Date): SweepReport {
  return buildReport({
    hosts: 6,
    startedAt,
    faults: { 'h1>h2': 'packet-loss', 'h2>h1': 'udp-500-blocked' },
    hostFindings: {
      h4: [
        {
          code: 'agent-missing',
          message: 'no running container labelled io.rancher.container.system=NetworkAgent',
        },
      ],
      h5: [{ code: 'docker-unreachable', message: 'connect ETIMEDOUT 198.18.0.15:2376 after 5000 ms' }],
      h6: [
        {
          code: 'agent-ip-misconfigured',
          message: 'CATTLE_AGENT_IP=198.18.0.250 but the host underlay address is 198.18.0.16',
        },
      ],
    },
  });
}

export function largeMeshReport(startedAt: Date, hostCount = 50): SweepReport {
  return buildReport({
    hosts: hostCount,
    startedAt,
    faults: {
      ...bothWays('h3', 'h17', 'udp-4500-blocked'),
      'h8>h9': 'packet-loss',
      'h21>h40': 'tunnel-down',
      'h30>h2': 'udp-500-blocked',
    },
    hostFindings: {
      h12: [
        {
          code: 'agent-missing',
          message: 'no running container labelled io.rancher.container.system=NetworkAgent',
        },
      ],
      h44: [{ code: 'docker-unreachable', message: 'connect ECONNREFUSED 198.18.0.54:2376' }],
    },
  });
}

/** Earlier sweeps ending just before `latest`, one per interval, oldest first. */
export function historyBefore(
  latest: SweepReport,
  count: number,
  intervalMs: number,
  build: (startedAt: Date, sweepIndex: number) => SweepReport,
): SweepReport[] {
  const latestAt = Date.parse(latest.startedAt);
  return Array.from({ length: count }, (_, i) => build(new Date(latestAt - (count - i) * intervalMs), i));
}
