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
  errors: readonly string[];
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
// "64 bytes from 1.2.3.4: seq=0 ttl=64 time=0.105 ms" / "... icmp_seq=1 ttl=64 time=0.032 ms": the
// head of a reply line up to its time, matched in place (sticky) so no line is cut out of the text.
const REPLY_HEAD = /\d+ bytes from [^:\n]+: (?:icmp_)?seq=\d+ ttl=\d+ time=/y;
const UNREACHABLE = /Network is unreachable|No route to host/;
const ERROR_LINE = /^(?:From \S+ (?:icmp_)?seq=\d+ (.+)|ping: (.+))/;
const NO_ERRORS: readonly string[] = Object.freeze([]);

/**
 * Parses BusyBox or iputils ping output of a run asked to send `asked` packets. Never throws and
 * runs in linear time on capped input: anything unrecognised or impossible (more sent than asked,
 * more received than sent, an RTT that is not a finite number) is a PingFailure. The lines are read
 * in place, not split out: a 200-host sweep reads 240,000 ping outputs, and a string per line and
 * a match per reply were most of what its parsing allocated.
 */
export function parsePingOutput(output: string, asked: number = PING_LIMITS.count.max): PingParse {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, slicing a shorter text changes nothing
  const cut = output.length > MAX_PING_OUTPUT_CHARS ? output.slice(0, MAX_PING_OUTPUT_CHARS) : output;
  // Stryker disable next-line StringLiteral: equivalent, replacing where there is no CR changes nothing
  const text = cut.includes('\r') ? cut.replace(/\r\n/g, '\n') : cut;
  const samplesMs: number[] = [];
  let errors: string[] | null = null;
  let badSample = false;
  // Stryker disable next-line EqualityOperator: equivalent, the empty line after a last newline matches nothing
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    // Each pattern only on the lines it can match: a reply starts with a digit, an error line with
    // "From " or "ping:".
    const first = text.charCodeAt(start);
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, the pattern itself needs a digit first; the guard only skips it sooner
    const rtt = first >= 48 && first <= 57 ? replyRtt(text, start, end) : null;
    if (rtt === null) {
      const error =
        // Stryker disable next-line ConditionalExpression: equivalent, the pattern itself needs "From " or "ping: "; the guard only skips it sooner
        first === 70 /* F */ || first === 112 /* p */ ? ERROR_LINE.exec(text.slice(start, end)) : null;
      if (error) {
        errors ??= [];
        if (errors.length < MAX_ERRORS) errors.push((error[1] ?? error[2]!).trim().slice(0, 200));
      }
    } else if (rtt !== 'duplicate') {
      if (!Number.isFinite(rtt)) badSample = true;
      else if (samplesMs.length < asked) samplesMs.push(rtt);
    }
    start = end + 1;
  }
  const errorLines = errors ?? NO_ERRORS;

  const summary = SUMMARY.exec(text);
  if (!summary) {
    const unreachable = errorLines.find((e) => UNREACHABLE.test(e));
    if (unreachable) return { ok: false, reason: unreachable.replace(/^\w+: /, ''), unreachable: true };
    const first = errorLines[0] ?? firstLine(text);
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
  return {
    ok: true,
    sent,
    received,
    lossRatio: (sent - received) / sent,
    rttMs,
    samplesMs,
    errors: errorLines,
  };
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

/**
 * The round trip of the reply line starting at text[start] in ms (NaN when its time is not a number),
 * "duplicate" for a reply marked "DUP!", null for any other line. A reply line is its head
 * (REPLY_HEAD), a time of digits and dots, " ms", and any rest up to the first line break, where
 * "DUP!" marks a duplicate.
 */
function replyRtt(text: string, start: number, end: number): number | 'duplicate' | null {
  REPLY_HEAD.lastIndex = start;
  if (!REPLY_HEAD.test(text)) return null;
  const from = REPLY_HEAD.lastIndex;
  let to = from;
  // Past the text charCodeAt is NaN, and a line break is no time character: the line's end stops it.
  while (isTimeChar(text.charCodeAt(to))) to++;
  if (to === from || !text.startsWith(' ms', to)) return null;
  // Stryker disable next-line ArithmeticOperator: equivalent, "DUP!" cannot start within the time or " ms"
  return isDuplicate(text, to + 3, end) ? 'duplicate' : Number(text.slice(from, to));
}

function isTimeChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 46; // 0-9 .
}

/** Whether "DUP!" comes in text[from, end) before any character that ends a line for `.` (CR, LS, PS). */
function isDuplicate(text: string, from: number, end: number): boolean {
  // Stryker disable next-line EqualityOperator: equivalent, text[end] is a newline or past the text
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 0x2028 || c === 0x2029) return false;
    if (text.startsWith('DUP!', i)) return true;
  }
  return false;
}
