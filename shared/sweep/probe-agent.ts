import type { AgentProbe, AgentProbeContext, ExecProbe } from '../probes/agent-probe.js';
import { runExecBatch } from '../probes/exec-batch.js';
import { unknownPath } from '../probes/ping/ping-path-result.js';
import type { PathResult } from '../report/sweep-report.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';

/**
 * Everything a sweep measures from one agent: the exec batch (all ExecProbes' jobs in one exec)
 * and the AgentProbes, side by side, all bounded by `deadlineMs`. Never throws.
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
    return execProbes
      .flatMap((p) => p.parse(ctx, outputs))
      .map((path) =>
        // A probe reports a missing job as unknown; the batch knows why it is missing.
        path.state === 'unknown' && failure && (!path.error || path.error.startsWith('the probe batch'))
          ? { ...path, error: failure }
          : path,
      );
  };
  // AgentProbes get the same budget as the batch, as a number to size their calls and as the signal.
  const probeCtx: AgentProbeContext = { ...ctx, budgetMs: Math.min(deadlineMs, ctx.budgetMs ?? deadlineMs) };
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
  const results = await Promise.all([batch(), ...agentProbeRuns]);
  return results.flat();
}
