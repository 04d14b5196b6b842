import { randomBytes } from 'node:crypto';
import type { PathResult } from '../../domain/sweep-report.js';
import {
  type DockerHostClient,
  type ExecResult,
  isTransportError,
} from '../../transport/docker-host-client.js';
import type { AgentProbe, AgentProbeContext, BatchShare, PeerTarget } from '../agent-probe.js';
import { isCommandMissing, watchdogBudgetSec } from '../exec-batch.js';
import { unknownPath } from '../unknown-path.js';
import {
  forgetHome,
  IKE_PROBE_AGENT_PATH,
  IKE_PROBE_HASH,
  knownHome,
  putProgramInto,
  rememberHome,
} from './ike-agent-copy.js';
import { ensureCarrier, forgetCarrier } from './ike-carrier.js';
import { type IkePort, ikePathResult, ikeProbeKind, parseIkeProbeLines } from './ike-path-result.js';
import { IKE_PROBE_IMAGE, IKE_PROBE_PATH, ikeProbeRootfs } from './ike-probe-image.js';
import { ikeRequestStamp, ikeSaInitRequestTemplate } from './ike-sa-init-request.js';

export { IKE_PROBE_IMAGE };

export interface IkeProbeImage {
  name: string;
  /** The image's rootfs tarball, asked for only when a host lacks the image. */
  rootfs: () => Uint8Array;
}

/** The sidecar image every shell uses: one static program (ike-probe.c), its tarball built in memory. */
export const DEFAULT_IKE_PROBE_IMAGE: IkeProbeImage = { name: IKE_PROBE_IMAGE, rootfs: ikeProbeRootfs };

// Putting the program into the agent, or finding or starting a carrier (and importing its ~10 KB
// image, once per host), happens before the pings start (prepare), so it never competes with them
// for the source host's CPU.
const SETUP_DEADLINE_MS = 20_000;
// What one exec of the program costs beyond the reply wait (create + start + the stream's end).
const EXEC_OVERHEAD_MS = 1_000;
// How long before the batch's watchdog the program's reply wait ends, so it prints its lines first.
const WATCHDOG_MARGIN_MS = 300;
// Below this the exec cannot even be made: report unknown instead of trying.
const MIN_EXEC_MS = 300;
/** The program's last line once every target has its own (ike-probe.c). */
const IKE_PROBE_END = '- end';

const PORTS: readonly IkePort[] = [500, 4500];
const NONCE_BYTES = 32;
// Built on first use, not when the module loads: importing the probe registry then costs nothing,
// and the request builder runs only where a probe (or a test) asks for it.
let template: string | null = null;
function templateHex(): string {
  template ??= Buffer.from(ikeSaInitRequestTemplate({ nonceLength: NONCE_BYTES })).toString('hex');
  return template;
}

/** The batch job's id (one per batch: the op takes the rest of the batch's argv). */
const IKE_JOB_ID = 'ike';

interface IkeTarget {
  id: string;
  peer: PeerTarget;
  port: IkePort;
  spi: Uint8Array;
  nonce: Uint8Array;
}

/** One sweep's IKE probes from one agent: what to send, and the paths that need no packet. */
interface IkePlan {
  targets: IkeTarget[];
  unaddressed: PathResult[];
  ikeTimeoutMs: number;
  /** The program's WAIT_MS, from what was left of the agent's budget when planned (the batch's job). */
  waitMs: number;
  /** Milliseconds left of the agent's budget now. */
  left: () => number;
}

/**
 * IKE reachability from the source agent's own network namespace: one run of the probe program per
 * agent per sweep sends a stateless IKE_SA_INIT to every peer on UDP 500 and 4500 at once, so its
 * packets leave with the agent's address and NAT, exactly like charon's. The program lives in the
 * agent itself (ike-agent-copy.ts: put there once, on the first sweep) and runs as one more job of
 * the exec batch, beside the pings: no Docker request of its own. An agent that refuses the program
 * (read-only root filesystem, noexec /tmp) gets a carrier container instead (ike-carrier.ts), whose
 * one exec runs beside the batch, as before.
 */
export function ikeAgentProbe(
  image: IkeProbeImage,
  random: (n: number) => Uint8Array = randomBytes,
): AgentProbe {
  const setupOpts = (left: number, signal: AbortSignal) => ({
    deadlineMs: Math.max(1, Math.floor(Math.min(SETUP_DEADLINE_MS, left))),
    signal,
  });
  /** Runs the probes where the agent can run them now: put the program in (again), else a carrier. */
  const runAlone = async (
    ctx: AgentProbeContext,
    client: DockerHostClient,
    signal: AbortSignal,
    plan: IkePlan,
  ): Promise<PathResult[]> => {
    const agentId = ctx.agent.containerId;
    let home = knownHome(client, agentId);
    if (home === null) home = await putProgramInto(client, agentId, setupOpts(plan.left(), signal));
    if (home === 'in-agent') {
      const result = await execProgram(client, agentId, IKE_PROBE_AGENT_PATH, plan, signal);
      // Docker's own exit codes for a program it found but could not run (126), or did not find (127).
      if (!isCommandMissing(result.exitCode)) return pathsOf(ctx, plan, result.stdout, result.exitCode);
      rememberHome(client, agentId, 'carrier');
    }
    return probeInCarrier(ctx, client, image, signal, plan);
  };
  return {
    kinds: ['ike-udp500', 'ike-udp4500'],
    async prepare(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<void> {
      if (!ctx.peers.some((p) => p.underlayIp !== null)) return;
      const opts = setupOpts(ctx.budgetMs ?? SETUP_DEADLINE_MS, signal);
      const agentId = ctx.agent.containerId;
      const home = knownHome(client, agentId) ?? (await putProgramInto(client, agentId, opts));
      if (home === 'carrier') await ensureCarrier(client, agentId, image, opts);
    },
    share(ctx: AgentProbeContext, client: DockerHostClient): BatchShare | null {
      if (knownHome(client, ctx.agent.containerId) !== 'in-agent') return null;
      const plan = planProbes(ctx, random);
      if (plan.targets.length === 0) return null;
      // The batch's watchdog stops its jobs a little before the budget: the program's wait ends first.
      const watchdogMs = watchdogBudgetSec(ctx.budgetMs ?? Number.POSITIVE_INFINITY) * 1000;
      const waitMs = Math.max(100, Math.min(plan.waitMs, watchdogMs - WATCHDOG_MARGIN_MS));
      return {
        jobs: [
          {
            id: IKE_JOB_ID,
            op: 'ike-probe',
            args: [IKE_PROBE_HASH, String(waitMs), templateHex(), ...plan.targets.flatMap(targetArgs)],
          },
        ],
        async finish(outputs, failure, signal) {
          const out = outputs.get(IKE_JOB_ID);
          if (!out) {
            const why = failure ?? 'the exec batch did not report the IKE probe';
            return [
              ...plan.targets.map((t) =>
                unknownPath(ctx.self, t.peer.name, ikeProbeKind(t.port), t.peer.underlayIp, why),
              ),
              ...plan.unaddressed,
            ];
          }
          // The shell's exit codes: the program is gone (a new /tmp, someone removed it: put it back
          // and run it once more, alone) or may not run here (noexec /tmp: a carrier from now on).
          if (out.exitCode === 127) forgetHome(client);
          if (out.exitCode === 126) rememberHome(client, ctx.agent.containerId, 'carrier');
          if (isCommandMissing(out.exitCode)) return runAlone(ctx, client, signal, plan);
          return pathsOf(ctx, plan, out.output, out.exitCode);
        },
      };
    },
    async run(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<PathResult[]> {
      const plan = planProbes(ctx, random);
      if (plan.targets.length === 0) return plan.unaddressed;
      return runAlone(ctx, client, signal, plan);
    },
  };
}

function planProbes(ctx: AgentProbeContext, random: (n: number) => Uint8Array): IkePlan {
  const started = performance.now();
  const left = () => (ctx.budgetMs ?? Number.POSITIVE_INFINITY) - (performance.now() - started);
  // One draw of randomness for every probe's SPI and nonce (one call per probe cost more than the rest).
  const jobCount = ctx.peers.length * PORTS.length;
  const pool = random(jobCount * (8 + NONCE_BYTES));
  const jobs = ctx.peers.flatMap((peer, index) =>
    PORTS.map((port, p) => {
      const at = (index * PORTS.length + p) * (8 + NONCE_BYTES);
      const spi = nonZeroSpi(pool.subarray(at, at + 8), random);
      return { id: `p${index}-${port}`, peer, port, spi, nonce: pool.subarray(at + 8, at + 8 + NONCE_BYTES) };
    }),
  );
  const unaddressed = jobs
    .filter((j) => j.peer.underlayIp === null)
    .map((j) =>
      unknownPath(
        ctx.self,
        j.peer.name,
        ikeProbeKind(j.port),
        null,
        'no underlay address known for this peer',
      ),
    );
  const { ikeTimeoutMs } = ctx.timing;
  const { waitMs } = timing(ikeTimeoutMs, left);
  return { targets: jobs.filter((j) => j.peer.underlayIp !== null), unaddressed, ikeTimeoutMs, waitMs, left };
}

/** The reply wait and the exec's deadline, from what is left of the agent's budget now. */
function timing(ikeTimeoutMs: number, left: () => number): { waitMs: number; execMs: number } {
  // The reply wait shrinks to what is left of the budget, so a late probe still reports.
  const execMs = Math.min(ikeTimeoutMs + EXEC_OVERHEAD_MS, Math.floor(left()));
  if (execMs < MIN_EXEC_MS) {
    throw new Error(`no time left in the sweep budget for the IKE probe (${Math.max(0, execMs)} ms)`);
  }
  const waitMs = Math.round(Math.min(ikeTimeoutMs, Math.max(100, execMs - EXEC_OVERHEAD_MS)));
  return { waitMs, execMs };
}

// ike-probe.c's usage: WAIT_MS TEMPLATE, then ID IPV4 PORT STAMP per target; it re-checks every field.
function targetArgs(t: IkeTarget): string[] {
  const stamp = ikeRequestStamp(t.spi, t.nonce, NONCE_BYTES);
  return [t.id, t.peer.underlayIp!, String(t.port), Buffer.from(stamp).toString('hex')];
}

/**
 * One exec of the program by itself (in the agent, or in its carrier), the reply wait sized to what
 * is left of the budget once the setup before it is done.
 */
function execProgram(
  client: DockerHostClient,
  containerId: string,
  program: string,
  plan: IkePlan,
  signal: AbortSignal,
): Promise<ExecResult> {
  const { waitMs, execMs } = timing(plan.ikeTimeoutMs, plan.left);
  return client.exec(
    containerId,
    [program, String(waitMs), templateHex(), ...plan.targets.flatMap(targetArgs)],
    {
      deadlineMs: execMs,
      signal,
      completeMarker: IKE_PROBE_END,
    },
  );
}

/** The program's output (untrusted, bounded by the exec) as path results, one per probe. */
function pathsOf(ctx: AgentProbeContext, plan: IkePlan, output: string, exitCode: number): PathResult[] {
  const lines = parseIkeProbeLines(output);
  const measured = plan.targets.map((t) => {
    const path = ikePathResult(ctx.self, t.peer.name, t.port, t.peer.underlayIp!, t.spi, lines.get(t.id));
    if (path.state === 'unknown' && !lines.has(t.id) && exitCode !== 0) {
      path.error = `the IKE probe exited with ${exitCode}`;
    }
    return path;
  });
  return [...measured, ...plan.unaddressed];
}

/** The fallback: the program in the agent's carrier container, found or started (ike-carrier.ts). */
async function probeInCarrier(
  ctx: AgentProbeContext,
  client: DockerHostClient,
  image: IkeProbeImage,
  signal: AbortSignal,
  plan: IkePlan,
): Promise<PathResult[]> {
  const setup = { deadlineMs: Math.max(1, Math.floor(Math.min(SETUP_DEADLINE_MS, plan.left()))), signal };
  const probeOnce = async () => {
    const carrier = await ensureCarrier(client, ctx.agent.containerId, image, setup);
    return execProgram(client, carrier, IKE_PROBE_PATH, plan, signal);
  };
  let result: ExecResult;
  try {
    result = await probeOnce();
  } catch (e) {
    // The carrier went away (removed by hand, or by another instance): start afresh, once.
    if (!isTransportError(e) || (e.kind !== 'not-found' && e.kind !== 'conflict')) throw e;
    forgetCarrier(client);
    result = await probeOnce();
  }
  return pathsOf(ctx, plan, result.stdout, result.exitCode);
}

function nonZeroSpi(drawn: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  for (let spi = drawn; ; spi = random(8)) if (spi.some((b) => b !== 0)) return spi;
}
