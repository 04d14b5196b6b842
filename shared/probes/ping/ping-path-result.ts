import type { HostName } from '../../domain/host-name.js';
import type { Ipv4 } from '../../domain/ipv4.js';
import type { ProbeKind } from '../../domain/probe-kind.js';
import type { PathResult, State } from '../../domain/sweep-report.js';
import type { JobOutput } from '../agent-probe.js';
import { isCommandMissing } from '../exec-batch.js';
import { unknownPath } from '../unknown-path.js';
import { parsePingOutput } from './parse-ping-output.js';

/** up = no loss, degraded = some loss, down = all lost or unroutable, unknown = could not measure. */
export function pingPathResult(
  from: HostName,
  to: HostName,
  probe: ProbeKind,
  target: Ipv4,
  sent: number,
  job: JobOutput,
): PathResult {
  if (isCommandMissing(job.exitCode)) {
    return unknownPath(from, to, probe, target, 'ping is not installed in the agent container');
  }
  const parsed = parsePingOutput(job.output, sent);
  if (!parsed.ok) {
    if (parsed.unreachable) {
      return {
        from,
        to,
        probe,
        target,
        state: 'down',
        sent,
        received: 0,
        lossRatio: 1,
        rttMs: null,
        error: parsed.reason,
      };
    }
    const killed = job.exitCode > 128 ? 'ping was stopped at the sweep deadline' : parsed.reason;
    return unknownPath(from, to, probe, target, killed);
  }
  const state: State = parsed.received === parsed.sent ? 'up' : parsed.received === 0 ? 'down' : 'degraded';
  // A literal, not a spread of shared fields: V8 gives every object built as `{ ...base, more }` a
  // map of its own, and 200 hosts' 160,000 maps cost 55 MB and made every later read megamorphic.
  const result: PathResult = {
    from,
    to,
    probe,
    target,
    state,
    sent: parsed.sent,
    received: parsed.received,
    lossRatio: round(parsed.lossRatio),
    rttMs: parsed.rttMs,
    // A copy of exactly its length: the parser's array grew by push, to room for 17 numbers.
    samplesMs: parsed.samplesMs.slice(),
  };
  const firstError = parsed.errors[0];
  if (firstError !== undefined) result.error = firstError;
  return result;
}

function round(ratio: number): number {
  return Math.round(ratio * 10_000) / 10_000;
}
