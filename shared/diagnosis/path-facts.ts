import type { ProbeKind } from '../domain/probe-kind.js';
import type { PathResult, SaDetail } from '../domain/sweep-report.js';
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
  /** The source agent's SA to the peer as read (SPIs, counters, configured connection), when read. */
  saDetail: SaDetail | null;
  /** The MTU ladder, when measured. */
  mtu: MtuFact | null;
  phrases: string[];
}

/** What the MTU ladder says about one direction. */
export interface MtuFact {
  pmtu: number | null;
  /** Every rung up to pmtu answered in full and every larger rung lost in full: a size threshold, not loss. */
  cut: boolean;
}

/**
 * Each direction's paths are the forward evidence of one ordered pair and the reverse evidence of the
 * other, so every sweep reads them twice: remembered by the list (a sweep's path lists are not changed
 * after probing), the second read shares the first's facts and phrase strings. Half the work, and
 * half the evidence strings a 200-host report holds.
 */
const factsByPaths = new WeakMap<readonly PathResult[], DirectionFacts>();

export function directionFacts(paths: readonly PathResult[]): DirectionFacts {
  let facts = factsByPaths.get(paths);
  // Stryker disable next-line ConditionalExpression: equivalent, reading the paths again gives the same facts
  if (!facts) {
    facts = readDirection(paths);
    factsByPaths.set(paths, facts);
  }
  return facts;
}

function readDirection(paths: readonly PathResult[]): DirectionFacts {
  const byKind = (kind: ProbeKind) => paths.find((p) => p.probe === kind);
  const phrases: string[] = [];
  const overlay = pingFact(byKind('overlay-icmp'), 'overlay ping', phrases);
  const underlay = pingFact(byKind('underlay-icmp'), 'underlay ping', phrases);
  const ike500 = ikeFact(byKind('ike-udp500'), 500, phrases);
  const ike4500 = ikeFact(byKind('ike-udp4500'), 4500, phrases);
  const saPath = byKind('ipsec-sa');
  const sa = saFact(saPath, phrases);
  const mtu = mtuFact(byKind('overlay-mtu'), phrases);
  const saDetail = saPath?.state !== 'unknown' && saPath?.sa ? saPath.sa : null;
  return { overlay, underlay, ike500, ike4500, sa, saDetail, mtu, phrases };
}

function mtuFact(path: PathResult | undefined, phrases: string[]): MtuFact | null {
  if (!path?.mtu || path.state === 'unknown') return null;
  const { pmtu, ladder, ceiling } = path.mtu;
  const lost = ladder.filter((r) => r.received === 0);
  const cut =
    pmtu !== null &&
    lost.length > 0 &&
    ladder.every((r) => {
      if (r.bytes <= pmtu) return r.received === r.sent && r.sent > 0;
      // Stryker disable next-line ConditionalExpression: equivalent, pmtu is the largest size that answered
      return r.received === 0;
    });
  const where = `${path.from}→${path.to}`;
  if (lost.length === 0)
    phrases.push(phrase`pmtu ${where}: at least ${ceiling} bytes (every sized ping answered)`);
  else {
    phrases.push(
      pmtu === null
        ? phrase`sized overlay pings ${where}: none of ${ladder.map((r) => r.bytes).join('/')} bytes answered`
        : phrase`sized overlay pings ${where}: up to ${pmtu} bytes answered, ${lost.map((r) => r.bytes).join('/')} lost (ladder up to ${ceiling})`,
    );
  }
  return { pmtu, cut };
}

function pingFact(path: PathResult | undefined, label: string, phrases: string[]): PingFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  if (path.state === 'unknown' || path.sent === 0) {
    phrases.push(phrase`${label} ${where} not measured${path.error ? ` (${path.error})` : ''}`);
    return 'unknown';
  }
  phrases.push(phrase`${label} ${where}: ${path.received}/${path.sent} replies`);
  if (path.received === 0) return 'dead';
  return path.received < path.sent ? 'lossy' : 'up';
}

function ikeFact(path: PathResult | undefined, port: number, phrases: string[]): IkeFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  const outcome = path.ike?.outcome;
  if (outcome === 'answered') {
    const rtt = path.rttMs ? `, ${path.rttMs.avg} ms` : '';
    // Stryker disable next-line OptionalChaining: equivalent, an answered outcome implies path.ike
    phrases.push(phrase`IKE UDP ${port} ${where}: answered (${path.ike?.response ?? 'IKE'}${rtt})`);
    return 'answered';
  }
  if (outcome === 'timeout' || outcome === 'refused') {
    phrases.push(
      phrase`IKE UDP ${port} ${where}: ${outcome === 'timeout' ? 'no answer (timeout)' : 'refused (ICMP port unreachable)'}`,
    );
    return outcome;
  }
  phrases.push(phrase`IKE UDP ${port} ${where} not measured${path.error ? ` (${path.error})` : ''}`);
  return 'unknown';
}

function saFact(path: PathResult | undefined, phrases: string[]): SaFact {
  if (!path) return 'unknown';
  const where = `${path.from}→${path.to}`;
  if (path.sa?.daemon === 'unreachable') {
    phrases.push(phrase`IPsec SA ${where}: ${IKE_DAEMON_UNREACHABLE} in ${path.from}`);
    return 'daemon-down';
  }
  if (path.state === 'unknown' || !path.sa) {
    phrases.push(phrase`IPsec SA ${where} not read${path.error ? ` (${path.error})` : ''}`);
    return 'unknown';
  }
  const { ikeState, childState } = path.sa;
  if (ikeState === null) {
    phrases.push(phrase`IPsec SA ${where}: no IKE SA`);
    return 'none';
  }
  phrases.push(phrase`IPsec SA ${where}: IKE ${ikeState}, CHILD ${childState ?? 'none'}`);
  if (ikeState !== 'ESTABLISHED') return 'negotiating';
  return childState === 'INSTALLED' ? 'established' : 'partial';
}

/**
 * A phrase as one flat string. A template literal builds a tree of concatenations (five or so per
 * phrase, each its own heap object), and a 200-host report holds 240,000 phrases: joined, each is
 * one string and the report 30 MB smaller.
 */
function phrase(parts: TemplateStringsArray, ...values: (string | number)[]): string {
  const pieces: (string | number)[] = [parts[0]!];
  // Stryker disable next-line EqualityOperator: equivalent, one step past the end pushes undefined, which join writes as nothing
  for (let i = 0; i < values.length; i++) pieces.push(values[i]!, parts[i + 1]!);
  return pieces.join('');
}
