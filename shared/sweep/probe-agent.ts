import type { PathResult } from '../domain/sweep-report.js';
import type { AgentProbe, AgentProbeContext, ExecProbe } from '../probes/agent-probe.js';
import { runExecBatch } from '../probes/exec-batch.js';
import { unknownPath } from '../probes/unknown-path.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';

/**
 * Everything a sweep measures from one agent: the exec batch (all ExecProbes' jobs in one exec),
 * then the AgentProbes, all bounded by `deadlineMs`. Never throws.
 *
 * The AgentProbes (the IKE sidecar) start only once the batch is done: creating and starting a
 * container costs CPU on the source host, and doing it during the pings inflated the measured
 * overlay RTT about fivefold in the lab (median 13 ms → 52–80 ms).
 */
export async function probeAgent(
  ctx: AgentProbeContext,
  client: DockerHostClient,
  execProbes: readonly ExecProbe[],
  agentProbes: readonly AgentProbe[],
  deadlineMs: number,
  outer?: AbortSignal,
): Promise<PathResult[]> {
  const signal = outer
    ? AbortSignal.any([outer, AbortSignal.timeout(deadlineMs)])
    : AbortSignal.timeout(deadlineMs);
  const batch = async (): Promise<PathResult[]> => {
    const jobs = execProbes.flatMap((p) => p.jobs(ctx));
    if (jobs.length === 0) return [];
    const { outputs, failure } = await runExecBatch(client, ctx.agent.containerId, jobs, {
      deadlineMs,
      signal,
    });
    return execProbes.flatMap((p) => p.parse(ctx, outputs, failure));
  };
  const started = performance.now();
  const batchPaths = await batch();
  // AgentProbes get what is left of the budget, as a number to size their calls and as the signal.
  const left = Math.max(0, Math.floor(deadlineMs - (performance.now() - started)));
  const probeCtx: AgentProbeContext = { ...ctx, budgetMs: Math.min(left, ctx.budgetMs ?? left) };
  const agentProbeRuns = agentProbes.map(async (probe) => {
    try {
      return await probe.run(probeCtx, client, signal);
    } catch (e) {
      const reason = `${probe.kinds.join('/')} probe failed: ${e instanceof Error ? e.message : String(e)}`;
      return probe.kinds.flatMap((kind) =>
        ctx.peers.map((peer) => unknownPath(ctx.self, peer.name, kind, null, reason)),
      );
    }
  });
  const results = await Promise.all(agentProbeRuns);
  return [...batchPaths, ...results.flat()];
}
