import type { Cause } from '../../shared/domain/cause.js';
import type { HostName } from '../../shared/domain/host-name.js';
import type { Ipv4, OverlayIp } from '../../shared/domain/ipv4.js';
import { PROBE_KINDS, type ProbeKind } from '../../shared/domain/probe-kind.js';
import {
  type HostResult,
  type PathResult,
  SCHEMA_VERSION,
  type SweepReport,
  type Verdict,
  worstState,
} from '../../shared/domain/sweep-report.js';

export type FixtureFault = 'udp-4500-blocked' | 'tunnel-down' | 'packet-loss' | 'agent-missing';

export interface FixtureOptions {
  hosts: number;
  startedAt?: string;
  durationMs?: number;
  /** Faults by unordered pair of host numbers (1-based), e.g. { pair: [1, 3], fault: 'udp-4500-blocked' }. */
  faults?: Array<{ pair: [number, number]; fault: FixtureFault }>;
}

export const hostName = (n: number) => `h${n}` as HostName;

function healthyPath(from: number, to: number, probe: ProbeKind): PathResult {
  const base = {
    from: hostName(from),
    to: hostName(to),
    probe,
    state: 'up' as const,
    sent: 3,
    received: 3,
    lossRatio: 0,
  };
  const rtt = 0.4 + ((from * 7 + to * 3) % 10) / 10;
  switch (probe) {
    case 'overlay-icmp':
      return {
        ...base,
        target: `100.64.${to}.2` as Ipv4,
        rttMs: { min: rtt - 0.1, avg: rtt, max: rtt + 0.1 },
      };
    case 'underlay-icmp':
      return {
        ...base,
        target: `198.18.0.${10 + to}` as Ipv4,
        rttMs: { min: rtt / 2, avg: rtt / 2 + 0.05, max: rtt / 2 + 0.1 },
      };
    case 'ike-udp500':
    case 'ike-udp4500':
      return {
        ...base,
        sent: 1,
        received: 1,
        rttMs: { min: 1.5, avg: 1.5, max: 1.5 },
        ike: { outcome: 'answered', response: 'INVALID_KE_PAYLOAD' },
      };
    case 'ipsec-sa':
      return {
        ...base,
        sent: 1,
        received: 1,
        rttMs: null,
        sa: { ikeState: 'ESTABLISHED', childState: 'INSTALLED', establishedSec: 300 },
      };
    case 'overlay-mtu':
      return {
        ...base,
        target: `100.64.${to}.2` as Ipv4,
        sent: 8,
        received: 8,
        rttMs: null,
        mtu: {
          pmtu: 1400,
          ceiling: 1400,
          ladder: [1400, 1300, 1200, 1000].map((bytes) => ({ bytes, sent: 2, received: 2 })),
        },
      };
  }
}

function faultyPath(path: PathResult, fault: FixtureFault): PathResult {
  const down = { ...path, state: 'down' as const, received: 0, lossRatio: 1, rttMs: null };
  switch (fault) {
    case 'udp-4500-blocked':
      if (path.probe === 'overlay-icmp') return down;
      if (path.probe === 'ike-udp4500') return { ...down, ike: { outcome: 'timeout' } };
      if (path.probe === 'ipsec-sa') return { ...down, sa: { ikeState: 'CONNECTING', childState: null } };
      return path;
    case 'tunnel-down':
      if (path.probe === 'overlay-icmp') return down;
      if (path.probe === 'ipsec-sa') return { ...down, sa: { ikeState: null, childState: null } };
      return path;
    case 'packet-loss':
      if (path.probe === 'overlay-icmp') return { ...path, state: 'degraded', received: 2, lossRatio: 1 / 3 };
      return path;
    case 'agent-missing': {
      const { ike: _ike, sa: _sa, ...measured } = path;
      return {
        ...measured,
        state: 'unknown',
        received: 0,
        lossRatio: 1,
        rttMs: null,
        error: 'no agent on the peer host',
      };
    }
  }
}

const VERDICT_FOR: Record<FixtureFault, Pick<Verdict, 'state' | 'cause' | 'advice' | 'evidence'>> = {
  'udp-4500-blocked': {
    state: 'down',
    cause: 'udp-4500-blocked',
    advice: 'Allow UDP 4500 between the hosts (NSG / firewall); IKE on UDP 500 still answers.',
    evidence: ['overlay ping: 3/3 lost', 'UDP 500: IKE answered', 'UDP 4500: no answer'],
  },
  'tunnel-down': {
    state: 'down',
    cause: 'tunnel-down',
    advice: 'Restart the Network Agent on the source host; no IPsec SA names the peer.',
    evidence: ['overlay ping: 3/3 lost', 'no IKE SA to the peer'],
  },
  'packet-loss': {
    state: 'degraded',
    cause: 'packet-loss',
    advice: 'Check the underlay for congestion; the tunnel is up but drops packets.',
    evidence: ['overlay ping: 1/3 lost'],
  },
  'agent-missing': {
    state: 'unknown',
    cause: 'agent-missing',
    advice: 'Start the Network Agent on the peer host.',
    evidence: ['no container labelled io.rancher.container.system=NetworkAgent'],
  },
};

/** A report like the sweep produces for the lab: h1..hN, every probe on every ordered pair. */
export function buildReport(options: FixtureOptions): SweepReport {
  const faults = new Map<string, FixtureFault>();
  for (const { pair, fault } of options.faults ?? []) {
    faults.set(`${pair[0]}>${pair[1]}`, fault);
    faults.set(`${pair[1]}>${pair[0]}`, fault);
  }
  const hosts: HostResult[] = [];
  const paths: PathResult[] = [];
  const verdicts: Verdict[] = [];
  for (let from = 1; from <= options.hosts; from++) {
    hosts.push({
      name: hostName(from),
      state: 'up',
      underlayIp: `198.18.0.${10 + from}` as Ipv4,
      agent: { containerId: `c${from}`.padEnd(12, '0'), overlayIp: `100.64.${from}.2` as OverlayIp },
    });
    for (let to = 1; to <= options.hosts; to++) {
      if (from === to) continue;
      const fault = faults.get(`${from}>${to}`);
      for (const probe of PROBE_KINDS) {
        const path = healthyPath(from, to, probe);
        paths.push(fault ? faultyPath(path, fault) : path);
      }
      verdicts.push({
        from: hostName(from),
        to: hostName(to),
        ...(fault
          ? VERDICT_FOR[fault]
          : {
              state: 'up',
              cause: 'ok' as Cause,
              advice: 'Nothing to do.',
              evidence: ['overlay ping: 3/3 answered'],
            }),
      });
    }
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    startedAt: options.startedAt ?? '2025-01-01T12:00:00.000Z',
    durationMs: options.durationMs ?? 1234,
    status: worstState(verdicts.map((v) => v.state)),
    hosts,
    paths,
    verdicts,
  };
}
