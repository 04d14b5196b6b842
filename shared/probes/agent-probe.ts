import type { ProbeTiming } from '../config/tunnelwatch-config.js';
import type { HostName } from '../domain/host-name.js';
import type { Ipv4, OverlayIp } from '../domain/ipv4.js';
import type { ProbeKind } from '../domain/probe-kind.js';
import type { AgentInfo, PathResult } from '../domain/sweep-report.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';

/** A peer as seen from the probing agent. Addresses are validated before they get here. */
export interface PeerTarget {
  name: HostName;
  overlayIp: OverlayIp | null;
  /** The address the peer's agent is reached at on the underlay (advertised agent IP, else the host's underlay IP). */
  underlayIp: Ipv4 | null;
}

export interface AgentProbeContext {
  self: HostName;
  agent: AgentInfo;
  peers: PeerTarget[];
  timing: ProbeTiming;
  /**
   * Milliseconds this agent's probes have left of the sweep budget when they start (the sweep also
   * aborts the probes' signal then). AgentProbes size their own Docker calls to fit, so a late call
   * gets a short deadline instead of being cut off without a result. Absent: no budget known.
   */
  budgetMs?: number;
}

/**
 * One job inside the single `docker exec` a sweep runs per agent. `op` selects a fixed command in the
 * constant batch script (shared/probes/exec-batch.ts); `args` are validated data passed as argv,
 * never spliced into script text.
 */
export interface ExecJob {
  /** Unique within one batch, [a-z0-9-]+ */
  id: string;
  op: ExecOp;
  args: string[];
}
export type ExecOp = 'ping' | 'ping-sized' | 'ipsec-sas' | 'ipsec-sas-after' | 'ipsec-conns' | 'ike-probe';

export interface JobOutput {
  exitCode: number;
  /** stdout and stderr of the job, interleaved. */
  output: string;
}

/**
 * A probe that rides in the per-agent exec batch (blackbox_exporter style: one interface, one
 * module per probe kind). It says which jobs it needs and turns their output into path results;
 * the sweep owns the exec, the deadline and the concurrency.
 */
export interface ExecProbe {
  kinds: readonly ProbeKind[];
  jobs(ctx: AgentProbeContext): ExecJob[];
  /**
   * `outputs` lacks a job when the batch died before it finished or refused the job: report those
   * paths `unknown`, with `failure` (why the batch lost jobs, null when it ran to the end) as the reason.
   */
  parse(
    ctx: AgentProbeContext,
    outputs: ReadonlyMap<string, JobOutput>,
    failure: string | null,
  ): PathResult[];
}

/**
 * An AgentProbe's share of one agent's exec batch for one sweep: its jobs ride in the batch, and
 * `finish` turns their outputs into path results once the batch has ended (it may call Docker again,
 * e.g. to put back a program the agent lost, within the same deadline).
 */
export interface BatchShare {
  jobs: ExecJob[];
  finish(
    outputs: ReadonlyMap<string, JobOutput>,
    failure: string | null,
    signal: AbortSignal,
  ): Promise<PathResult[]>;
}

/**
 * A probe that needs the host's Docker API beyond the exec batch (the IKE probe: it puts its program
 * into the agent once, or falls back to a carrier container). `prepare` (optional) runs before the
 * batch, for setup that must not compete with the pings for CPU (an upload, starting a container).
 * Each sweep, `share` (optional) is asked first: when it returns jobs, they ride in the agent's exec
 * batch and `run` is not called; otherwise `run` runs alongside the batch. Both under the same
 * per-agent deadline (`signal` aborts when it passes). Failures become `unknown` paths, so
 * implementations should return them rather than throw; a failed `prepare` is not reported by
 * itself (`run` or `finish` meets the same failure and reports it).
 */
export interface AgentProbe {
  kinds: readonly ProbeKind[];
  prepare?(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<void>;
  share?(ctx: AgentProbeContext, client: DockerHostClient): BatchShare | null;
  run(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<PathResult[]>;
}
