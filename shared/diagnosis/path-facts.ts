import type { ProbeKind } from '../domain/probe-kind.js';
import type { PathResult } from '../domain/sweep-report.js';
import { IKE_DAEMON_UNREACHABLE } from '../probes/ipsec-sa/ipsec-sa-exec-probe.js';

/** What the ping probes say about one direction. */
export type PingFact = 'up' | 'lossy' | 'dead' | 'unknown';
/** What one IKE probe says about one direction. */
export type IkeFact = 'answered' | 'timeout' | 'refused' | 'unknown';
/** What the source agent's strongSwan says about the tunnel to the peer. */
export type SaFact = 'established' | 'partial' | 'negotiating' | 'none' | 'daemon-down' | 'unknown';

/** The evidence of one direction, reduced to the facts diagnosis reasons about, plus phrases saying so. */
export interface DirectionFacts {
  overlay: PingFact;
  underlay: PingFact;
  ike500: IkeFact;
  ike4500: IkeFact;
  sa: SaFact;
  phrases: string[];
}

export function directionFacts(paths: readonly PathResult[]): DirectionFacts {
  const byKind = (kind: ProbeKind) => paths.find((p) => p.probe === kind);
  const phrases: string[] = [];
  const overlay = pingFact(byKind('overlay-icmp'), 'overlay ping', phrases);
  const underlay = pingFact(byKind('underlay-icmp'), 'underlay ping', phrases);
  const ike500 = ikeFact(byKind('ike-udp500'), 500, phrases);
  const ike4500 = ikeFact(byKind('ike-udp4500'), 4500, phrases);
  const sa = saFact(byKind('ipsec-sa'), phrases);
  return { overlay, underlay, ike500, ike4500, sa, phrases };
}

function pingFact(path: PathResult | undefined, label: string, phrases: string[]): PingFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  if (path.state === 'unknown' || path.sent === 0) {
    phrases.push(`${label} ${where} not measured${path.error ? ` (${path.error})` : ''}`);
    return 'unknown';
  }
  phrases.push(`${label} ${where}: ${path.received}/${path.sent} replies`);
  if (path.received === 0) return 'dead';
  return path.received < path.sent ? 'lossy' : 'up';
}

function ikeFact(path: PathResult | undefined, port: number, phrases: string[]): IkeFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  const outcome = path.ike?.outcome;
  if (outcome === 'answered') {
    const rtt = path.rttMs ? `, ${path.rttMs.avg} ms` : '';
    phrases.push(`IKE UDP ${port} ${where}: answered (${path.ike?.response ?? 'IKE'}${rtt})`);
    return 'answered';
  }
  if (outcome === 'timeout' || outcome === 'refused') {
    phrases.push(
      `IKE UDP ${port} ${where}: ${outcome === 'timeout' ? 'no answer (timeout)' : 'refused (ICMP port unreachable)'}`,
    );
    return outcome;
  }
  phrases.push(`IKE UDP ${port} ${where} not measured${path.error ? ` (${path.error})` : ''}`);
  return 'unknown';
}

function saFact(path: PathResult | undefined, phrases: string[]): SaFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  if (path.sa?.daemon === 'unreachable') {
    phrases.push(`IPsec SA ${where}: ${IKE_DAEMON_UNREACHABLE} in ${path.from}`);
    return 'daemon-down';
  }
  if (path.state === 'unknown' || !path.sa) {
    phrases.push(`IPsec SA ${where} not read${path.error ? ` (${path.error})` : ''}`);
    return 'unknown';
  }
  const { ikeState, childState } = path.sa;
  if (ikeState === null) {
    phrases.push(`IPsec SA ${where}: no IKE SA`);
    return 'none';
  }
  phrases.push(`IPsec SA ${where}: IKE ${ikeState}, CHILD ${childState ?? 'none'}`);
  if (ikeState !== 'ESTABLISHED') return 'negotiating';
  return childState === 'INSTALLED' ? 'established' : 'partial';
}
