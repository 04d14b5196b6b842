import type { HostConfig } from '../config/tunnelwatch-config.js';
import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import type { SweepOverrides } from '../sweep/sweep-dependencies.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';

/** Where a command writes and what it reads from the process; tests pass their own. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  /** Ends `serve` (main.ts aborts it on SIGINT / SIGTERM). */
  signal?: AbortSignal;
}

/** What tests plug into a command that reaches hosts: replacement Docker clients. */
export interface HostHooks {
  /** Replaces the dockerode clients (tests). */
  clientFor?: (host: HostConfig) => DockerHostClient;
}

/** What tests plug into a command that sweeps: other probes and replacement adapters. */
export interface SweepHooks extends HostHooks {
  execProbes?: readonly ExecProbe[];
  agentProbes?: readonly AgentProbe[];
}

/** The hooks a test set, as overrides of the product's sweep dependencies. */
export function sweepOverrides(hooks: SweepHooks): SweepOverrides {
  return {
    ...(hooks.clientFor ? { clientFor: hooks.clientFor } : {}),
    ...(hooks.execProbes ? { execProbes: hooks.execProbes } : {}),
    ...(hooks.agentProbes ? { agentProbes: hooks.agentProbes } : {}),
  };
}
