import type { RttMs } from '../../domain/sweep-report.js';

/** What one ping run measured. `received` excludes duplicates. */
export interface PingMeasurement {
  ok: true;
  sent: number;
  received: number;
  /** 0..1 */
  lossRatio: number;
  rttMs: RttMs | null;
  /** Per-reply RTTs in arrival order, duplicates left out. */
  samplesMs: number[];
  /** Error lines ping printed (e.g. "Destination Host Unreachable"), when any. */
  errors: string[];
}

/** Ping could not produce a measurement: the reason is one short, operator-readable phrase. */
export interface PingFailure {
  ok: false;
  reason: string;
  /** True when ping itself says the target cannot be routed to: a measured "down", not "unknown". */
  unreachable: boolean;
}

export type PingParse = PingMeasurement | PingFailure;

// BusyBox: "3 packets transmitted, 3 packets received, 1 duplicates, 0% packet loss"
// iputils: "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2043ms"
const SUMMARY = /^(\d+) packets transmitted, (\d+) (?:packets )?received\b/m;
// BusyBox: "round-trip min/avg/max = a/b/c ms"; iputils: "rtt min/avg/max/mdev = a/b/c/d ms"
const RTT_LINE =
  /^(?:round-trip|rtt) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/[\d.]+)? ms$/m;
// "64 bytes from 1.2.3.4: seq=0 ttl=64 time=0.105 ms" / "... icmp_seq=1 ttl=64 time=0.032 ms"
const REPLY = /^\d+ bytes from [^:]+: (?:icmp_)?seq=\d+ ttl=\d+ time=([\d.]+) ms(.*)/;
const UNREACHABLE = /Network is unreachable|No route to host/;
const ERROR_LINE = /^(?:From \S+ (?:icmp_)?seq=\d+ (.+)|ping: (.+))/;

/** Parses BusyBox or iputils ping output. Never throws: anything unrecognised is a PingFailure. */
export function parsePingOutput(output: string): PingParse {
  const text = output.replace(/\r\n/g, '\n');
  const samplesMs: number[] = [];
  const errors: string[] = [];
  for (const line of text.split('\n')) {
    const reply = REPLY.exec(line);
    if (reply) {
      if (!reply[2]!.includes('DUP!')) samplesMs.push(Number(reply[1]));
      continue;
    }
    const error = ERROR_LINE.exec(line);
    if (error) errors.push((error[1] ?? error[2]!).trim());
  }

  const summary = SUMMARY.exec(text);
  if (!summary) {
    const unreachable = errors.find((e) => UNREACHABLE.test(e));
    if (unreachable) return { ok: false, reason: unreachable.replace(/^\w+: /, ''), unreachable: true };
    const first = errors[0] ?? firstLine(text);
    return {
      ok: false,
      reason: first ? `no ping statistics in the output: ${first}` : 'ping printed nothing',
      unreachable: false,
    };
  }
  const sent = Number(summary[1]);
  const received = Number(summary[2]);
  if (sent === 0 || received > sent) {
    return {
      ok: false,
      reason: `inconsistent ping statistics (${sent} sent, ${received} received)`,
      unreachable: false,
    };
  }
  const rtt = RTT_LINE.exec(text);
  const rttMs = rtt
    ? { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) }
    : rttFromSamples(samplesMs);
  return { ok: true, sent, received, lossRatio: (sent - received) / sent, rttMs, samplesMs, errors };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.trim().slice(0, 200);
}

// Some builds print no summary RTT line (e.g. a ping killed right after its statistics): use the replies.
function rttFromSamples(samples: number[]): RttMs | null {
  if (samples.length === 0) return null;
  const avg = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { min: Math.min(...samples), avg: Math.round(avg * 1000) / 1000, max: Math.max(...samples) };
}
