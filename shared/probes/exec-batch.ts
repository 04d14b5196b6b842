import { randomBytes } from 'node:crypto';
import { isPingArg } from '../config/ping-limits.js';
import { parseIpv4 } from '../domain/ipv4.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { isTransportError } from '../transport/docker-host-client.js';
import type { ExecJob, ExecOp, JobOutput } from './agent-probe.js';
import { IKE_PROBE_HASH, knownHome } from './ike/ike-agent-copy.js';

/**
 * The one `docker exec` a sweep runs per agent. The script text is a constant: jobs arrive as
 * positional argv (`NONCE BUDGET ICMP  ID OP ARGS…  ID OP ARGS…`) and each op has a fixed arity, so no
 * data is ever parsed as shell. ICMP is the hash of the probe program tunnelwatch put into the agent
 * (or `-`): when that program is there, every `ping` and `ping-sized` job is sent by one run of it
 * (`--icmp`, ike-probe.c), which prints each job's block itself, in BusyBox ping's words (exit code 0:
 * a ping stopped by the watchdog has no block at all); otherwise, or when it cannot run after all
 * (126/127), one BusyBox ping per job as before. One process instead of one
 * per ping: the pings were most of a sweep's CPU on the host (docs/probes.md). Written for BusyBox sh (also dash/bash). Every job starts in the
 * background at once, so the batch lasts as long as its slowest job, not the sum. A watchdog kills
 * jobs still running after BUDGET seconds: `docker exec` cannot be cancelled from the API side, so
 * without it a timed-out batch would leave processes behind in the agent. The SAs are read twice,
 * at the start and again as the last ping leaves (BusyBox pings: a fixed delay) or once the probe
 * program's pings are all done (replies in or waited out), so the packet counters' change over this sweep's own
 * probes is known (lost ESP shows as a gap between both ends, diagnosis/sa-pairing.ts). The one
 * variadic op, `ike-probe HASH WAIT TEMPLATE [ID IPV4 PORT STAMP]…`, runs the IKE probe program tunnelwatch put
 * into the agent (shared/probes/ike/ike-agent-copy.ts) and takes the rest of argv, so it comes last;
 * a missing program shows as its exit 127, one that may not run (noexec /tmp) as 126.
 */
export const BATCH_SCRIPT = `set -u
nonce=$1; budget=$2; icmp_hash=$3; shift 3
dir=/tmp/tunnelwatch-$nonce
mkdir -m 700 "$dir" || exit 125
ids=; pids=
icmp_prog=/tmp/tunnelwatch-ike-probe-$icmp_hash
[ "$icmp_hash" != - ] && [ -x "$icmp_prog" ] || icmp_prog=
icmp_ids=; icmp_args=; after_id=; after_pid=
while [ $# -gt 0 ]; do
  id=$1; op=$2; shift 2
  case $op in
    ping)
      [ $# -ge 4 ] || exit 124
      if [ -n "$icmp_prog" ]; then
        icmp_ids="$icmp_ids $id"; icmp_args="$icmp_args $id $4 56 $1 $2 $3"; shift 4; continue
      fi
      ping -c "$1" -i "$2" -W "$3" "$4" >"$dir/$id.out" 2>&1 &
      shift 4 ;;
    ping-sized)
      [ $# -ge 5 ] || exit 124
      if [ -n "$icmp_prog" ]; then
        icmp_ids="$icmp_ids $id"; icmp_args="$icmp_args $id $5 $4 $1 $2 $3"; shift 5; continue
      fi
      ping -c "$1" -i "$2" -W "$3" -s "$4" "$5" >"$dir/$id.out" 2>&1 &
      shift 5 ;;
    ipsec-sas)
      swanctl --list-sas --raw >"$dir/$id.out" 2>&1 & ;;
    ipsec-sas-after)
      [ $# -ge 1 ] || exit 124
      if [ -n "$icmp_prog" ]; then after_id=$id; after_delay=$1; shift 1; continue; fi
      { sleep "$1"; swanctl --list-sas --raw; } >"$dir/$id.out" 2>&1 &
      shift 1 ;;
    ipsec-conns)
      swanctl --list-conns --raw >"$dir/$id.out" 2>&1 & ;;
    ike-probe)
      [ $# -ge 3 ] || exit 124
      prog=/tmp/tunnelwatch-ike-probe-$1; shift
      "$prog" "$@" >"$dir/$id.out" 2>&1 &
      shift $# ;;
    *) exit 124 ;;
  esac
  ids="$ids $id"; pids="$pids $!"
done
# Every ping at once from the one probe program, which prints each ping's job block itself
# (icmp_args: validated tokens, split without globbing).
icmp_pid=
if [ -n "$icmp_ids" ]; then
  set -f; "$icmp_prog" --icmp "$nonce" $icmp_args >"$dir/icmp.out" 2>&1 & icmp_pid=$!; set +f
  pids="$pids $icmp_pid"
fi
# The watchdog kills its own sleep when told to stop, or that sleep would outlive the batch. A stop
# may come before the sleep's pid is known (between its start and s=$!): the trap only notes it,
# and the watchdog checks the note once s is set. KILL, not TERM: a TERM that reaches the sleep's
# process before it has become sleep can be lost there.
( s=; stop=; trap 'stop=1; kill -9 $s 2>/dev/null' TERM; sleep "$budget" & s=$!
  [ -z "$stop" ] && wait $s
  if [ -n "$stop" ]; then kill -9 $s 2>/dev/null; exit; fi
  kill $pids $(cat "$dir/late-pids" 2>/dev/null) 2>/dev/null ) >/dev/null 2>&1 &
watchdog=$!
# The program could not run after all (exit 126: /tmp is noexec; 127: gone meanwhile): its pings
# go to BusyBox ping, one each, now. The watchdog reads their pids from late-pids when it fires.
late=
if [ -n "$icmp_pid" ]; then
  wait $icmp_pid; icmp_rc=$?
  if [ $icmp_rc = 126 ] || [ $icmp_rc = 127 ]; then
    set -f; set -- $icmp_args; set +f
    while [ $# -ge 6 ]; do
      ping -c "$4" -i "$5" -W "$6" -s "$3" "$2" >"$dir/$1.out" 2>&1 &
      late="$late $!"; echo $! >>"$dir/late-pids"; shift 6
    done
  fi
fi
# With the program, the second SA read comes once this agent's pings are done (every reply in or
# waited out): where a pair loses packets both ends wait out their replies, so both reads follow all
# of the pair's probe traffic even when the agents' batches did not start together. Not after a
# program the watchdog stopped (past the budget).
if [ -n "$after_id" ]; then
  if [ -n "$icmp_pid" ] && [ -z "$late" ]; then
    if [ $icmp_rc -lt 128 ]; then
      swanctl --list-sas --raw >"$dir/$after_id.out" 2>&1 & after_pid=$!; echo $! >>"$dir/late-pids"
    fi
  else
    { sleep "$after_delay"; swanctl --list-sas --raw; } >"$dir/$after_id.out" 2>&1 &
    after_pid=$!; echo $! >>"$dir/late-pids"
  fi
fi
# Exit codes stay in a variable and every output goes out through one cat: a fork per job to read
# them back was CPU on the host, per job per sweep.
rcs=
set -- $pids
for id in $ids; do
  wait "$1"; rcs="$rcs $?"; shift
done
# A program stopped by the watchdog printed blocks only for the pings it finished: every one of its
# pings first gets an empty block with its exit code, and a block the program printed (later in
# the output) replaces it, as the batch's parser keeps an id's last block.
icmp_out=
if [ -n "$late" ]; then
  for pid in $late; do wait $pid; rcs="$rcs $?"; done
  ids="$ids$icmp_ids"
elif [ -n "$icmp_pid" ]; then
  if [ $icmp_rc != 0 ]; then
    for id in $icmp_ids; do rcs="$rcs $icmp_rc"; : >"$dir/$id.out"; done
    ids="$ids$icmp_ids"
  fi
  icmp_out="$dir/icmp.out"
fi
if [ -n "$after_pid" ]; then
  wait $after_pid; rcs="$rcs $?"; ids="$ids $after_id"
fi
kill $watchdog 2>/dev/null; wait $watchdog 2>/dev/null
files=
set -- $rcs
for id in $ids; do
  echo "@@tw-$nonce job $id $1" >"$dir/$id.head"; shift
  { echo; echo "@@tw-$nonce end $id"; } >"$dir/$id.tail"
  files="$files $dir/$id.head $dir/$id.out $dir/$id.tail"
done
set -f; cat $files $icmp_out; set +f
rm -rf "$dir"
echo "@@tw-$nonce done"
`;

/** Positional arguments per op, validated before they reach argv. */
const OP_ARGS: Record<ExecOp, ((arg: string) => boolean)[]> = {
  ping: [
    (count) => isPingArg('count', count),
    (interval) => isPingArg('intervalSec', interval),
    (timeout) => isPingArg('timeoutSec', timeout),
    (ip) => parseIpv4(ip) === ip,
  ],
  // ICMP payload bytes of a sized overlay probe (the MTU ladder): 16..9000.
  'ping-sized': [
    (count) => /^[1-9]\d{0,2}$/.test(count),
    (interval) => /^\d{1,2}(\.\d{1,3})?$/.test(interval),
    (timeout) => /^[1-9]\d?$/.test(timeout),
    (size) => /^\d{2,4}$/.test(size) && Number(size) >= 16 && Number(size) <= 9000,
    (ip) => parseIpv4(ip) === ip,
  ],
  'ipsec-sas': [],
  'ipsec-sas-after': [(delay) => /^\d(\.\d{1,2})?$/.test(delay)],
  'ipsec-conns': [],
  'ike-probe': [(hash) => /^[0-9a-f]{12}$/.test(hash), (waitMs) => isIkeWaitMs(waitMs), isEvenHex(88, 4096)],
};

/**
 * Ops whose fixed arguments are followed by any number of groups of this many arguments, each
 * checked the same way. Such an op takes the rest of the script's argv, so a batch has at most one
 * and runs it last.
 */
const OP_GROUPS: Partial<Record<ExecOp, { checks: ((arg: string) => boolean)[]; max: number }>> = {
  // ike-probe.c's targets: ID IPV4 PORT STAMP (SPI and a 16..256-byte nonce), ≤ 1024 targets; it re-checks each.
  'ike-probe': {
    checks: [
      (id) => /^[a-z0-9-]{1,32}$/.test(id),
      (ip) => parseIpv4(ip) === ip,
      (port) => port === '500' || port === '4500',
      isEvenHex(48, 528),
    ],
    max: 1024,
  },
};

function isIkeWaitMs(text: string): boolean {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 60_000;
}

/** Lower-case hex of whole bytes, min..max digits. */
function isEvenHex(min: number, max: number): (text: string) => boolean {
  const pattern = new RegExp(`^[0-9a-f]{${min},${max}}$`);
  return (text) => text.length % 2 === 0 && pattern.test(text);
}

const JOB_ID = /^[a-z0-9-]{1,64}$/;

export interface BatchResult {
  outputs: Map<string, JobOutput>;
  /** Why jobs are missing from `outputs` (the exec failed, timed out, or a job was refused). */
  failure: string | null;
}

/** Checks one job; returns a reason when it must not run. */
export function rejectJob(job: ExecJob): string | null {
  if (!JOB_ID.test(job.id)) return `job id "${job.id.slice(0, 64)}" is not [a-z0-9-]+`;
  const fixed = OP_ARGS[job.op];
  if (!fixed) return `job ${job.id}: unknown op`;
  const groups = OP_GROUPS[job.op];
  if (!groups) {
    if (job.args.length !== fixed.length) return `job ${job.id}: ${job.op} takes ${fixed.length} arguments`;
  } else {
    const rest = job.args.length - fixed.length;
    const size = groups.checks.length;
    // Stryker disable next-line ConditionalExpression: equivalent, fewer arguments than the fixed ones leave a remainder too (a group is larger than the fixed part)
    if (rest < 0 || rest % size !== 0 || rest / size > groups.max)
      return `job ${job.id}: ${job.op} takes ${fixed.length} arguments, then up to ${groups.max} groups of ${size}`;
  }
  const bad = job.args.findIndex((arg, i) =>
    i < fixed.length ? !fixed[i]!(arg) : !groups!.checks[(i - fixed.length) % groups!.checks.length]!(arg),
  );
  return bad === -1 ? null : `job ${job.id}: argument ${bad + 1} of ${job.op} is not valid`;
}

/** Whether `op` takes the rest of the batch's argv (see OP_GROUPS). */
export function isVariadicOp(op: ExecOp): boolean {
  return OP_GROUPS[op] !== undefined;
}

/**
 * The jobs in the order the script runs them: fixed-arity jobs as given, then the one variadic job;
 * a second variadic job is refused (it would swallow the first's targets).
 */
export function orderJobs(jobs: readonly ExecJob[]): { ordered: ExecJob[]; refused: string[] } {
  const variadic = jobs.filter((j) => isVariadicOp(j.op));
  const refused = variadic.slice(1).map((j) => `job ${j.id}: only one ${j.op} job fits in a batch`);
  return { ordered: [...jobs.filter((j) => !isVariadicOp(j.op)), ...variadic.slice(0, 1)], refused };
}

const PROGRAM_HASH = /^[0-9a-f]{12}$/;

/**
 * The exec's argv; `jobs` already in run order (orderJobs). `icmpProgramHash`: the probe program in
 * the agent that sends the pings (null, or not a 12-hex-digit hash: BusyBox ping).
 */
export function batchArgv(
  jobs: readonly ExecJob[],
  budgetSec: number,
  nonce: string,
  icmpProgramHash: string | null = null,
): string[] {
  const argv = [
    'sh',
    '-c',
    BATCH_SCRIPT,
    'tunnelwatch-batch',
    nonce,
    String(budgetSec),
    // Stryker disable next-line ConditionalExpression: equivalent for the null check, the pattern refuses "null" too
    icmpProgramHash !== null && PROGRAM_HASH.test(icmpProgramHash) ? icmpProgramHash : '-',
  ];
  // A loop, not flatMap and spreads: a 200-peer batch has over a thousand jobs.
  for (const job of jobs) {
    argv.push(job.id, job.op);
    for (const arg of job.args) argv.push(arg);
  }
  return argv;
}

/**
 * The batch's stdout is host text: beyond this it is cut off, and the jobs whose blocks lie past the
 * cut are missing (their paths `unknown`). Generous for real output: a few KB per ping, about 1 KB
 * of swanctl output per SA.
 */
export const MAX_BATCH_OUTPUT_CHARS = 4 * 1024 * 1024;

/**
 * Splits the script's stdout into job outputs; a job whose block is absent or cut off is left out,
 * and so is any block whose id was not asked for (`ids`, when given). An id's last complete block
 * wins (the script relies on it for pings the probe program did not finish). A block is a head line
 * `@@tw-NONCE job ID CODE`, its output, and the line `@@tw-NONCE end ID`; found with indexOf, so
 * one pass over the text without splitting a 200-peer batch's megabyte into lines.
 */
export function parseBatchOutput(
  stdout: string,
  nonce: string,
  ids?: ReadonlySet<string>,
): Map<string, JobOutput> {
  const outputs = new Map<string, JobOutput>();
  // The nonce goes into a RegExp: plain letters and digits only (ours is hex).
  if (!/^[A-Za-z0-9]{1,64}$/.test(nonce)) return outputs;
  const cut = stdout.slice(0, MAX_BATCH_OUTPUT_CHARS);
  // Stryker disable next-line StringLiteral: equivalent, replacing where there is no CR changes nothing
  const text = cut.includes('\r') ? cut.replace(/\r\n/g, '\n') : cut;
  // Exit codes are 0..255: three digits at most, so a hostile one can never become a huge number.
  const start = new RegExp(`^@@tw-${nonce} job ([a-z0-9-]{1,64}) (\\d{1,3})$`);
  const headPrefix = `@@tw-${nonce} job `;
  let pos = 0;
  for (;;) {
    const at = text.indexOf(headPrefix, pos);
    if (at < 0) break;
    const eol = text.indexOf('\n', at);
    // Stryker disable next-line EqualityOperator: equivalent, a newline after a head prefix is never at 0
    const lineEnd = eol < 0 ? text.length : eol;
    // Stryker disable next-line ArithmeticOperator: equivalent, a head prefix never starts within its own line's last two characters
    pos = lineEnd + 1;
    // Only a whole line is a head: not text that merely contains one.
    if (at > 0 && text.charCodeAt(at - 1) !== 10) continue;
    const head = start.exec(text.slice(at, lineEnd));
    if (!head) continue;
    const id = head[1]!;
    const endAt = lineStart(text, `@@tw-${nonce} end ${id}`, lineEnd);
    // A block whose end never comes: the output was cut (or forged) here, nothing after it is read.
    // Stryker disable next-line EqualityOperator: equivalent, an end line starts after its head line, never at 0
    if (endAt < 0) break;
    // The script adds one newline after each job's output so the end marker starts a line.
    const body = text.slice(lineEnd + 1, endAt - 1);
    if (!ids || ids.has(id))
      outputs.set(id, { exitCode: Number(head[2]), output: body.endsWith('\n') ? body.slice(0, -1) : body });
    // Stryker disable next-line ArithmeticOperator: equivalent, the search goes on from the end line's start or the newline before it: no head starts between
    pos = endAt + 1;
  }
  return outputs;
}

/** Where the first line after `from` that is exactly `line` starts (from is a newline's index); -1 when none. */
function lineStart(text: string, line: string, from: number): number {
  let search = from;
  for (;;) {
    const k = text.indexOf(`\n${line}`, search);
    // Stryker disable next-line EqualityOperator: equivalent, the search starts past a head line, never at 0
    if (k < 0) return -1;
    const after = k + 1 + line.length;
    if (after === text.length || text.charCodeAt(after) === 10) return k + 1;
    search = k + 1;
  }
}

export interface BatchOptions {
  deadlineMs: number;
  signal?: AbortSignal;
  /**
   * The probe program that sends the pings (its hash); null: BusyBox ping. Default: the IKE probe
   * program when this process put it into this agent (ike-agent-copy.ts), else null.
   */
  icmpProgramHash?: string | null;
}

/** Runs all jobs in one exec. Never throws: failures come back as `failure` with the outputs that exist. */
export async function runExecBatch(
  client: DockerHostClient,
  containerId: string,
  jobs: readonly ExecJob[],
  opts: BatchOptions,
): Promise<BatchResult> {
  const reasons = jobs.map(rejectJob);
  const checked = reasons.filter((r): r is string => r !== null);
  const { ordered: runnable, refused: extra } = orderJobs(jobs.filter((_, i) => reasons[i] === null));
  const refused = [...checked, ...extra];
  if (runnable.length === 0) return { outputs: new Map(), failure: refused[0] ?? null };
  const nonce = randomBytes(8).toString('hex');
  const budgetSec = watchdogBudgetSec(opts.deadlineMs);
  const { icmpProgramHash = knownHome(client, containerId) === 'in-agent' ? IKE_PROBE_HASH : null, ...call } =
    opts;
  try {
    const result = await client.exec(containerId, batchArgv(runnable, budgetSec, nonce, icmpProgramHash), {
      ...call,
      completeMarker: batchCompleteMarker(nonce),
    });
    const outputs = parseBatchOutput(result.stdout, nonce, new Set(runnable.map((j) => j.id)));
    let failure: string | null = refused[0] ?? null;
    if (outputs.size < runnable.length) {
      failure =
        result.stdout.length > MAX_BATCH_OUTPUT_CHARS
          ? `the probe batch printed more than ${MAX_BATCH_OUTPUT_CHARS} characters; the rest was ignored`
          : describeExit(result.exitCode, result.stdout + result.stderr);
    }
    return { outputs, failure };
  } catch (e) {
    return { outputs: new Map(), failure: isTransportError(e) ? e.message : `exec failed: ${String(e)}` };
  }
}

/**
 * Seconds the in-agent watchdog lets jobs run, for an exec deadline of `deadlineMs`: a little less,
 * so the exec usually returns what finished. A job that must report sizes its own wait to this.
 */
export function watchdogBudgetSec(deadlineMs: number): number {
  return Math.max(1, Math.floor(deadlineMs / 1000) - 1);
}

/** The batch script's last line: with it the exec's exit code is known to be 0 without asking. */
export function batchCompleteMarker(nonce: string): string {
  return `@@tw-${nonce} done`;
}

/** The shell's exit code for a command it could not find (127) or not execute (126). */
export function isCommandMissing(exitCode: number): boolean {
  return exitCode === 126 || exitCode === 127;
}

function describeExit(exitCode: number, text: string): string {
  const hint = text.trim().split('\n').at(-1)!.slice(0, 200);
  if (isCommandMissing(exitCode))
    return `the agent cannot run sh (exit ${exitCode}${hint ? `: ${hint}` : ''})`;
  if (exitCode === 125) return 'the agent has no writable /tmp for the probe batch';
  return `probe batch ended early (exit ${exitCode}${hint ? `: ${hint}` : ''})`;
}
