import { PING_LIMITS } from '../../config/ping-limits.js';
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

/** Ping output is host text: longer than any real run of PING_LIMITS.count.max packets is cut off here. */
export const MAX_PING_OUTPUT_CHARS = 64 * 1024;
const MAX_ERRORS = 10;

// BusyBox: "3 packets transmitted, 3 packets received, 1 duplicates, 0% packet loss"
// iputils: "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2043ms"
// Counts have at most 7 digits so they stay exact numbers; the bound by what was asked comes after.
const SUMMARY = /^(\d{1,7}) packets transmitted, (\d{1,7}) (?:packets )?received\b/m;
// BusyBox: "round-trip min/avg/max = a/b/c ms"; iputils: "rtt min/avg/max/mdev = a/b/c/d ms"
const RTT_LINE =
  /^(?:round-trip|rtt) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/[\d.]+)? ms$/m;
// "64 bytes from 1.2.3.4: seq=0 ttl=64 time=0.105 ms" / "... icmp_seq=1 ttl=64 time=0.032 ms"
const REPLY = /^\d+ bytes from [^:]+: (?:icmp_)?seq=\d+ ttl=\d+ time=([\d.]+) ms(.*)/;
const UNREACHABLE = /Network is unreachable|No route to host/;
const ERROR_LINE = /^(?:From \S+ (?:icmp_)?seq=\d+ (.+)|ping: (.+))/;

/**
 * Parses BusyBox or iputils ping output of a run asked to send `asked` packets. Never throws and
 * runs in linear time on capped input: anything unrecognised or impossible (more sent than asked,
 * more received than sent, an RTT that is not a finite number) is a PingFailure.
 */
export function parsePingOutput(output: string, asked: number = PING_LIMITS.count.max): PingParse {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, slicing a shorter text changes nothing
  const cut = output.length > MAX_PING_OUTPUT_CHARS ? output.slice(0, MAX_PING_OUTPUT_CHARS) : output;
  // Stryker disable next-line StringLiteral: equivalent, replacing where there is no CR changes nothing
  const text = cut.includes('\r') ? cut.replace(/\r\n/g, '\n') : cut;
  const samplesMs: number[] = [];
  const errors: string[] = [];
  let badSample = false;
  for (const line of text.split('\n')) {
    // Each pattern only on the lines it can match: a reply starts with a digit, an error line with
    // "From " or "ping:" (a 200-host sweep reads 240,000 ping outputs).
    const first = line.charCodeAt(0);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, the pattern itself needs a digit first; the guard only skips it sooner
    const reply = first >= 48 && first <= 57 ? REPLY.exec(line) : null;
    if (reply) {
      if (reply[2]!.includes('DUP!')) continue;
      const rtt = Number(reply[1]);
      if (!Number.isFinite(rtt)) badSample = true;
      else if (samplesMs.length < asked) samplesMs.push(rtt);
      continue;
    }
    // Stryker disable next-line ConditionalExpression: equivalent, the pattern itself needs "From " or "ping: "; the guard only skips it sooner
    const error = first === 70 /* F */ || first === 112 /* p */ ? ERROR_LINE.exec(line) : null;
    if (error && errors.length < MAX_ERRORS) errors.push((error[1] ?? error[2]!).trim().slice(0, 200));
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
  if (sent > asked) {
    return {
      ok: false,
      reason: `ping statistics claim ${sent} packets sent, but ${asked} were asked for`,
      unreachable: false,
    };
  }
  const rtt = RTT_LINE.exec(text);
  const rttMs = rtt
    ? { min: Number(rtt[1]), avg: Number(rtt[2]), max: Number(rtt[3]) }
    : rttFromSamples(samplesMs);
  if (badSample || (rttMs && !validRtt(rttMs))) {
    return { ok: false, reason: 'ping printed a round-trip time that is not a number', unreachable: false };
  }
  return { ok: true, sent, received, lossRatio: (sent - received) / sent, rttMs, samplesMs, errors };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]!.trim().slice(0, 200);
}

function validRtt({ min, avg, max }: RttMs): boolean {
  // Stryker disable next-line EqualityOperator,ConditionalExpression: equivalent for the sign, the patterns read no minus
  return [min, avg, max].every((v) => Number.isFinite(v) && v >= 0) && min <= max;
}

// Some builds print no summary RTT line (e.g. a ping killed right after its statistics): use the replies.
// A loop, not Math.min(...samples): spreading a host-sized array overflows the stack.
function rttFromSamples(samples: number[]): RttMs | null {
  if (samples.length === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const s of samples) {
    min = Math.min(min, s);
    max = Math.max(max, s);
    sum += s;
  }
  const avg = Math.round((sum / samples.length) * 1000) / 1000;
  return { min, avg: Math.min(max, Math.max(min, avg)), max };
}
