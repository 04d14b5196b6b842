import type { HostName } from '../../domain/host-name.js';
import type { Ipv4 } from '../../domain/ipv4.js';
import type { ProbeKind } from '../../domain/probe-kind.js';
import type { IkeDetail, PathResult } from '../../domain/sweep-report.js';
import { sharedIkeDetail, sharedSingleRtt } from '../shared-details.js';
import { unknownPath } from '../unknown-path.js';
import { parseIkeResponse } from './ike-response.js';

export type IkePort = 500 | 4500;

export function ikeProbeKind(port: IkePort): ProbeKind {
  return port === 500 ? 'ike-udp500' : 'ike-udp4500';
}

/** One line of the sidecar's output, split: `<id> <outcome> [rtt µs] [reply hex]`. */
export function parseIkeProbeLines(output: string): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const line of output.split('\n')) {
    const [id, ...rest] = line.trim().split(/\s+/);
    if (id && id !== '-' && rest.length > 0) lines.set(id, rest);
  }
  return lines;
}

/**
 * Turns the sidecar's verdict on one probe into a path result. One probe is one packet: sent 1,
 * received 1 when any IKE answer carrying our SPI came back.
 */
export function ikePathResult(
  from: HostName,
  to: HostName,
  port: IkePort,
  target: Ipv4,
  spi: Uint8Array,
  fields: string[] | undefined,
): PathResult {
  const probe = ikeProbeKind(port);
  if (!fields) return unknownPath(from, to, probe, target, 'the IKE probe program did not report this probe');
  const [outcome, rttText, hex] = fields;
  // Literals with one field order, not spreads of shared fields: V8 gives every `{ ...base, more }`
  // a map of its own (see ping-path-result.ts).
  const lost = (ike: IkeDetail, error?: string): PathResult => {
    const path: PathResult = {
      from,
      to,
      probe,
      target,
      state: 'down',
      sent: 1,
      received: 0,
      lossRatio: 1,
      rttMs: null,
      ike,
    };
    if (error !== undefined) path.error = error;
    return path;
  };
  const failed = (reason: string, sent = 0): PathResult => {
    const path = unknownPath(from, to, probe, target, reason);
    path.sent = sent;
    path.ike = sharedIkeDetail('error');
    return path;
  };
  switch (outcome) {
    case 'timeout':
      return lost(sharedIkeDetail('timeout'));
    case 'refused':
      return lost(
        sharedIkeDetail('refused'),
        `ICMP port unreachable: nothing listens on UDP ${port} at ${target}`,
      );
    case 'answered': {
      // Whole bytes of lower-case hex; a Buffer is the Uint8Array the parser reads.
      const reply = hex && hex.length % 2 === 0 && /^[0-9a-f]+$/.test(hex) ? Buffer.from(hex, 'hex') : null;
      const parsed = reply
        ? parseIkeResponse(reply, spi)
        : { kind: 'malformed' as const, reason: 'no reply bytes' };
      if (parsed.kind !== 'answered')
        return failed(`UDP ${port} answered, but not with IKE (${parsed.reason})`, 1);
      const rtt = microsToMs(rttText);
      return {
        from,
        to,
        probe,
        target,
        state: 'up',
        sent: 1,
        received: 1,
        lossRatio: 0,
        rttMs: rtt === null ? null : sharedSingleRtt(rtt),
        ike: sharedIkeDetail('answered', parsed.response),
      };
    }
    default:
      return failed(`the IKE probe could not run (${fields.join(' ').slice(0, 80)})`);
  }
}

function microsToMs(text: string | undefined): number | null {
  if (!text || !/^\d{1,9}$/.test(text)) return null;
  return Math.round(Number(text) / 10) / 100;
}
