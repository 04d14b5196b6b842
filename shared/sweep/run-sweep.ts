import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { PairEvidence } from '../diagnosis/pair-evidence.js';
import { discoverHosts } from '../discovery/discover-hosts.js';
import type { HostName } from '../domain/host-name.js';
import { PathsByPair } from '../domain/paths-by-pair.js';
import { PROBE_KINDS } from '../domain/probe-kind.js';
import {
  type HostResult,
  type PathResult,
  SCHEMA_VERSION,
  type State,
  type SweepReport,
  type Verdict,
  worstState,
} from '../domain/sweep-report.js';
import type { AgentProbe, AgentProbeContext, ExecProbe } from '../probes/agent-probe.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { boundedMap } from './bounded-map.js';
import { checkRegistrations } from './check-registrations.js';
import { peerTargets } from './peer-targets.js';
import { prepareAgent, probeAgent, unknownPaths } from './probe-agent.js';
import type { SweepProgress } from './sweep-progress.js';

/** The adapters a sweep runs on; assembleSweep (sweep-dependencies.ts) builds the real ones, tests fake them. */
export interface SweepDeps {
  clientFor: (host: HostConfig) => DockerHostClient;
  /** Probes riding in the per-agent exec batch (overlay-icmp, underlay-icmp, ipsec-sa, …). */
  execProbes: readonly ExecProbe[];
  /** Probes that use the Docker API themselves (e.g. the IKE sidecar). */
  agentProbes?: readonly AgentProbe[];
  diagnose: (evidence: PairEvidence) => Verdict;
  onProgress?: (event: SweepProgress) => void;
  now?: () => Date;
  signal?: AbortSignal;
}

// Discovery gets at most this share of the sweep deadline, so probing always has time left.
const DISCOVERY_SHARE = 1 / 3;
// Kept back from the deadline for diagnosis and report assembly.
const ASSEMBLY_MARGIN_MS = 200;

/**
 * One sweep: discover every host in parallel, probe from every agent (bounded concurrency, one exec
 * each), diagnose every ordered pair. Always returns a report within `config.sweep.deadlineMs`
 * (plus assembly time); unreachable hosts and failed probes become `unknown`, never exceptions.
 */
export async function runSweep(config: TunnelwatchConfig, deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const remaining = () => config.sweep.deadlineMs - (performance.now() - t0);

  const discovered = await discoverHosts(config, deps.clientFor, {
    deadlineMs: Math.max(500, Math.floor(config.sweep.deadlineMs * DISCOVERY_SHARE)),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const probing = discovered.filter(
    (h): h is HostResult & { agent: NonNullable<HostResult['agent']> } => h.agent !== null,
  );
  deps.onProgress?.({ phase: 'discovered', hosts: discovered.length, agents: probing.length });

  const configByName = new Map(config.hosts.map((h) => [h.name, h]));
  const contexts = new Map(
    probing.map((host): [HostName, AgentProbeContext] => [
      host.name,
      { self: host.name, agent: host.agent, peers: peerTargets(host, discovered), timing: config.probes },
    ]),
  );
  const clientOf = (name: HostName) => () => deps.clientFor(configByName.get(name)!);
  // Every agent's setup (the IKE carrier on a first sweep) before any agent's pings: on hosts that
  // share CPUs (the lab) one agent's container start would otherwise inflate another's RTTs.
  const agentProbes = deps.agentProbes ?? [];
  if (agentProbes.some((p) => p.prepare)) {
    const budget = Math.floor((remaining() - ASSEMBLY_MARGIN_MS) / 2);
    if (budget > 0) {
      await boundedMap(probing, config.sweep.concurrency, async (host) => {
        try {
          await prepareAgent(
            contexts.get(host.name)!,
            clientOf(host.name)(),
            agentProbes,
            budget,
            deps.signal,
          );
        } catch {
          // a client that cannot be built fails again, and is reported, when the agent is probed
        }
      });
    }
  }
  let done = 0;
  const perAgent = await boundedMap(probing, config.sweep.concurrency, async (host) => {
    const ctx = contexts.get(host.name)!;
    const budget = Math.floor(remaining() - ASSEMBLY_MARGIN_MS);
    const paths = budget <= 0 ? [] : await probeAgentSafely(ctx, clientOf(host.name), deps, budget);
    deps.onProgress?.({ phase: 'agent-probed', host: host.name, done: ++done, total: probing.length });
    return paths;
  });
  const paths = sortPaths(perAgent.flat(), discovered);
  // What the peers dial for each host can prove a misregistration discovery could not see.
  const hosts = checkRegistrations(discovered, paths, configByName);

  const byPair = new PathsByPair(paths);
  const verdicts: Verdict[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from.name === to.name) continue;
      const forward = byPair.get(from.name, to.name);
      const reverse = byPair.get(to.name, from.name);
      verdicts.push(diagnoseSafely(deps.diagnose, { from, to, forward, reverse }));
    }
  }
  deps.onProgress?.({ phase: 'diagnosed', pairs: verdicts.length });

  return {
    schemaVersion: SCHEMA_VERSION,
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    status: sweepStatus(hosts, verdicts),
    hosts,
    paths,
    verdicts,
  };
}

/**
 * probeAgent handles each probe's failures itself; this is the last line for everything else (a
 * client factory or a bug that throws): that agent's paths become `unknown`, the others' stand.
 */
async function probeAgentSafely(
  ctx: AgentProbeContext,
  client: () => DockerHostClient,
  deps: SweepDeps,
  budgetMs: number,
): Promise<PathResult[]> {
  try {
    return await probeAgent(ctx, client(), deps.execProbes, deps.agentProbes ?? [], budgetMs, deps.signal);
  } catch (e) {
    const kinds = [...deps.execProbes, ...(deps.agentProbes ?? [])].flatMap((p) => p.kinds);
    const reason = `probing from ${ctx.self} failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
    return unknownPaths(ctx, [...new Set(kinds)], reason);
  }
}

/** diagnose is pure and total by contract; should it throw anyway, only that pair says so. */
function diagnoseSafely(diagnose: SweepDeps['diagnose'], evidence: PairEvidence): Verdict {
  try {
    return diagnose(evidence);
  } catch (e) {
    return {
      from: evidence.from.name,
      to: evidence.to.name,
      state: 'unknown',
      cause: 'unknown',
      advice: 'tunnelwatch could not diagnose this pair; report this as a bug with the JSON report',
      evidence: [`diagnosis failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`],
    };
  }
}

/** Worst verdict; with fewer than two hosts there are no pairs and the hosts speak for themselves. */
export function sweepStatus(hosts: readonly HostResult[], verdicts: readonly Verdict[]): State {
  if (verdicts.length > 0) return worstState(verdicts.map((v) => v.state));
  if (hosts.length === 0) return 'unknown';
  return worstState(hosts.map((h) => h.state));
}

/** Report order: probe kind, then hosts in config order. */
function sortPaths(paths: PathResult[], hosts: readonly HostResult[]): PathResult[] {
  const kind = (p: PathResult) => PROBE_KINDS.indexOf(p.probe);
  const index = new Map(hosts.map((h, i) => [h.name as string, i]));
  const at = (name: string) => index.get(name) ?? hosts.length;
  return paths.sort((a, b) => kind(a) - kind(b) || at(a.from) - at(b.from) || at(a.to) - at(b.to));
}
