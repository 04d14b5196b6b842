import type { ProbeKind } from '../domain/probe-kind.js';
import type { PathResult } from '../domain/sweep-report.js';
import type { AgentProbe, AgentProbeContext, ExecProbe } from '../probes/agent-probe.js';
import { runExecBatch } from '../probes/exec-batch.js';
import { unknownPath } from '../probes/unknown-path.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';

/**
 * The AgentProbes' preparation for one agent (putting the IKE probe program into the agent, or
 * starting its fallback carrier, when this process has not done so for this agent yet). The sweep
 * runs it for every agent before any agent's pings start: creating and starting a container costs
 * CPU on the source host, and doing it during the pings inflated the measured overlay RTT about
 * fivefold in the lab (median 13 ms → 52–80 ms). Never throws: a failed preparation is met again,
 * and reported, by the probe's run.
 */
export async function prepareAgent(
  ctx: AgentProbeContext,
  client: DockerHostClient,
  agentProbes: readonly AgentProbe[],
  deadlineMs: number,
  outer?: AbortSignal,
): Promise<void> {
  const signal = agentSignal(deadlineMs, outer);
  await Promise.all(
    agentProbes.map((probe) =>
      probe.prepare?.({ ...ctx, budgetMs: deadlineMs }, client, signal).catch(() => {}),
    ),
  );
}

/**
 * Everything a sweep measures from one agent: the exec batch (all ExecProbes' jobs, and the jobs
 * AgentProbes share into it, in one exec) and the other AgentProbes side by side, all bounded by
 * `deadlineMs`, so an agent costs about one ping burst. Never throws.
 */
export async function probeAgent(
  ctx: AgentProbeContext,
  client: DockerHostClient,
  execProbes: readonly ExecProbe[],
  agentProbes: readonly AgentProbe[],
  deadlineMs: number,
  outer?: AbortSignal,
): Promise<PathResult[]> {
  const signal = agentSignal(deadlineMs, outer);
  // AgentProbes get the budget as a number to size their calls, and as the signal.
  const probeCtx: AgentProbeContext = { ...ctx, budgetMs: Math.min(deadlineMs, ctx.budgetMs ?? deadlineMs) };
  const failed = (probe: AgentProbe, e: unknown) =>
    unknownPaths(ctx, probe.kinds, `${probe.kinds.join('/')} probe failed: ${describe(e)}`);
  const sharing = agentProbes.map((probe) => {
    try {
      return { probe, share: probe.share?.(probeCtx, client) ?? null, refused: null };
    } catch (e) {
      return { probe, share: null, refused: failed(probe, e) };
    }
  });
  const batch = async (): Promise<PathResult[]> => {
    // A probe that throws while planning or parsing costs only its own paths (see isolated()).
    const planned = execProbes.map((p) => ({
      probe: p,
      jobs: isolated(ctx, p.kinds, 'planning', () => p.jobs(ctx)),
    }));
    const shares = sharing.flatMap(({ probe, share }) => (share ? [{ probe, share }] : []));
    const jobs = [
      ...planned.flatMap(({ jobs }) => (jobs.ok ? jobs.value : [])),
      ...shares.flatMap(({ share }) => share.jobs),
    ];
    const refusedPaths = planned.flatMap(({ jobs }) => (jobs.ok ? [] : jobs.paths));
    const runnable = planned.filter(({ jobs }) => jobs.ok).map(({ probe }) => probe);
    if (jobs.length === 0 && refusedPaths.length === 0) return [];
    const { outputs, failure } =
      jobs.length === 0
        ? { outputs: new Map(), failure: null }
        : await runExecBatch(client, ctx.agent.containerId, jobs, {
            deadlineMs,
            signal,
          });
    const shared = await Promise.all(
      shares.map(({ probe, share }) => share.finish(outputs, failure, signal).catch((e) => failed(probe, e))),
    );
    return runnable
      .flatMap((p) => {
        const parsed = isolated(ctx, p.kinds, 'parsing', () => p.parse(ctx, outputs, failure));
        return parsed.ok ? parsed.value : parsed.paths;
      })
      .concat(refusedPaths, shared.flat());
  };
  const agentProbeRuns = sharing.map(async ({ probe, share, refused }) => {
    if (share) return [];
    if (refused) return refused;
    try {
      return await probe.run(probeCtx, client, signal);
    } catch (e) {
      return failed(probe, e);
    }
  });
  const [batchPaths, ...results] = await Promise.all([batch(), ...agentProbeRuns]);
  return [...batchPaths!, ...results.flat()];
}

/** Aborts when the agent's deadline passes or the sweep is cancelled. */
function agentSignal(deadlineMs: number, outer?: AbortSignal): AbortSignal {
  return outer ? AbortSignal.any([outer, AbortSignal.timeout(deadlineMs)]) : AbortSignal.timeout(deadlineMs);
}

type Isolated<T> = { ok: true; value: T } | { ok: false; paths: PathResult[] };

/** Runs one probe's synchronous step; an exception becomes that probe's `unknown` paths, with the reason. */
function isolated<T>(
  ctx: AgentProbeContext,
  kinds: readonly ProbeKind[],
  step: 'planning' | 'parsing',
  run: () => T,
): Isolated<T> {
  try {
    return { ok: true, value: run() };
  } catch (e) {
    return {
      ok: false,
      paths: unknownPaths(ctx, kinds, `${kinds.join('/')} probe failed while ${step}: ${describe(e)}`),
    };
  }
}

/** One `unknown` path per peer and kind: what an agent reports when it could not measure at all. */
export function unknownPaths(
  ctx: AgentProbeContext,
  kinds: readonly ProbeKind[],
  reason: string,
): PathResult[] {
  return kinds.flatMap((kind) =>
    ctx.peers.map((peer) => unknownPath(ctx.self, peer.name, kind, null, reason)),
  );
}

// Exception text may quote host output: keep what reaches the report short.
function describe(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}
