import { setMaxListeners } from 'node:events';
import { DISCOVERY_SHARE, type HostConfig, type TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { PairEvidence } from '../diagnosis/pair-evidence.js';
import type { DiscoveryOptions } from '../discovery/discover-host.js';
import { discoverHostSafely } from '../discovery/discover-hosts.js';
import type { DiscoveryCache } from '../discovery/discovery-cache.js';
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
import { watchExecNotFound } from './exec-not-found-watch.js';
import { pairSampled, samplingPlan } from './peer-sampling.js';
import { peerTargets } from './peer-targets.js';
import { prepareAgent, probeAgent, unknownPaths } from './probe-agent.js';
import { probedVerdict, unsampledVerdicts } from './sampled-verdicts.js';
import type { SweepProgress } from './sweep-progress.js';

/** The adapters a sweep runs on; assembleSweep (sweep-dependencies.ts) builds the real ones, tests fake them. */
export interface SweepDeps {
  clientFor: (host: HostConfig) => DockerHostClient;
  /** Probes riding in the per-agent exec batch (overlay-icmp, underlay-icmp, ipsec-sa, …). */
  execProbes: readonly ExecProbe[];
  /** Probes that also use the Docker API themselves (the IKE probe: its copy into the agent, its carrier). */
  agentProbes?: readonly AgentProbe[];
  diagnose: (evidence: PairEvidence) => Verdict;
  /**
   * What discovery learnt in earlier sweeps of the same assembly (serve, a warm Function instance).
   * Without it every sweep is cold: discovery of all hosts first, then probing.
   */
  discoveryCache?: DiscoveryCache;
  onProgress?: (event: SweepProgress) => void;
  /**
   * One shard of a sharded sweep (functions/sweep-queue.ts): the coordinator's discovery instead of
   * one's own, probing only from `sources`, and no diagnosis (the shards' finish diagnoses every pair).
   */
  shard?: SweepShard;
  /**
   * The previous sweep's report, when sampling peers (config `sweep.sampling`): the pairs this sweep
   * does not probe repeat its verdicts, with their age. null / absent: they are `unknown`, "not
   * sampled yet".
   */
  previousReport?: SweepReport | null;
  now?: () => Date;
  signal?: AbortSignal;
}

export interface SweepShard {
  hosts: readonly HostResult[];
  sources: ReadonlySet<string>;
}

// Kept back from the deadline for diagnosis and report assembly.
const ASSEMBLY_MARGIN_MS = 200;

type HostWithAgent = HostResult & { agent: NonNullable<HostResult['agent']> };
const hasAgent = (h: HostResult): h is HostWithAgent => h.agent !== null;

/**
 * One sweep: discover every host, probe from every agent (bounded concurrency, one exec each),
 * diagnose every ordered pair. Always returns a report within `config.sweep.deadlineMs` (plus
 * assembly time); unreachable hosts and failed probes become `unknown`, never exceptions.
 *
 * Cold (no cache, or a host the cache does not know): all hosts are discovered first, as before.
 * Warm (the cache knows every host): probing starts at once from the cached agents while each
 * host's discovery (one list call) revalidates concurrently; the report's host results are the
 * revalidated ones. Either way, an agent whose exec answers `not-found` (recreated) is discovered
 * again and probed once more within the sweep (docs/probes.md).
 */
export async function runSweep(config: TunnelwatchConfig, deps: SweepDeps): Promise<SweepReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const t0 = performance.now();
  const remaining = () => config.sweep.deadlineMs - (performance.now() - t0);
  const cache = deps.discoveryCache;
  const discoveryOpts: DiscoveryOptions = {
    deadlineMs: Math.max(500, Math.floor(config.sweep.deadlineMs * DISCOVERY_SHARE)),
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(cache ? { cache } : {}),
  };
  const discover = async (host: HostConfig, opts = discoveryOpts): Promise<HostResult> => {
    const result = await discoverHostSafely(host, deps.clientFor, config.agent, opts);
    deps.onProgress?.({ phase: 'host-discovered', host: result.name, state: result.state });
    return result;
  };

  const cached = config.hosts.map((h) => cache?.lastResult(h.name));
  // Warm: the cache knows every host, and at least one agent to probe from.
  const warm =
    !deps.shard &&
    cache !== undefined &&
    cached.every((r) => r !== undefined) &&
    cached.some((r) => r!.agent !== null);
  // Warm: every host's revalidation starts now, alongside the probing below. One the sweep ends
  // without (a dead, black-holed or slow endpoint) is cancelled then, so it holds nobody up.
  const abandon = new AbortController();
  const revalidationOpts: DiscoveryOptions = {
    ...discoveryOpts,
    signal: deps.signal ? AbortSignal.any([deps.signal, abandon.signal]) : abandon.signal,
  };
  // Every host's revalidation listens on the one signal: as many listeners as hosts is expected.
  setMaxListeners(config.hosts.length + 10, revalidationOpts.signal!);
  const revalidations = warm ? config.hosts.map((h) => discover(h, revalidationOpts)) : null;
  const initial: HostResult[] = deps.shard
    ? [...deps.shard.hosts]
    : warm
      ? (cached as HostResult[])
      : await Promise.all(config.hosts.map((h) => discover(h)));
  // A shard probes from its own sources only; every other sweep from every host.
  const probesFrom = (h: HostResult) => !deps.shard || deps.shard.sources.has(h.name);
  // What peers are probed at: the cached result until a host's revalidation settles.
  const known = new Map(initial.map((h) => [h.name as string, h]));
  revalidations?.forEach((p) => void p.then((h) => known.set(h.name, h)));
  // A host rediscovered after `not-found` within this sweep: its latest result.
  const rediscovered = new Map<string, HostResult>();

  let total = initial.filter(hasAgent).filter(probesFrom).length;
  deps.onProgress?.({
    phase: 'discovered',
    hosts: initial.length,
    agents: total,
    from: warm ? 'cache' : 'docker',
  });

  const configByName = new Map(config.hosts.map((h) => [h.name, h]));
  // Above the configured mesh size: k peers per agent, rotating by start time (peer-sampling.ts).
  const plan = samplingPlan(
    config.sweep.sampling,
    config.hosts.map((h) => h.name),
    started,
  );
  const contextOf = (host: HostWithAgent): AgentProbeContext => ({
    self: host.name,
    agent: host.agent,
    peers: peerTargets(host, [...known.values()], plan?.peers.get(host.name)),
    timing: config.probes,
  });
  // Every known agent's setup (the IKE probe's copy, or its carrier, on a first sweep) before any
  // agent's pings: on hosts that share CPUs (the lab) one agent's container start would otherwise
  // inflate another's RTTs.
  const agentProbes = deps.agentProbes ?? [];
  const prepareBudget = Math.floor((remaining() - ASSEMBLY_MARGIN_MS) / 2);
  if (agentProbes.some((p) => p.prepare) && prepareBudget > 0) {
    await boundedMap(initial.filter(hasAgent).filter(probesFrom), config.sweep.concurrency, async (host) => {
      try {
        // The watched client: the one the probes run with, so what they prepare they find again.
        const client = watchExecNotFound(deps.clientFor(configByName.get(host.name)!)).client;
        await prepareAgent(contextOf(host), client, agentProbes, prepareBudget, deps.signal);
      } catch {
        // a client that cannot be built fails again, and is reported, when the agent is probed
      }
    });
  }
  let done = 0;
  const probeFrom = async (host: HostWithAgent): Promise<{ paths: PathResult[]; agentGone: boolean }> => {
    const ctx = contextOf(host);
    const budget = Math.floor(remaining() - ASSEMBLY_MARGIN_MS);
    if (budget <= 0) return { paths: [], agentGone: false };
    const agentId = host.agent.containerId;
    let agentGone = () => false;
    const client = () => {
      const watched = watchExecNotFound(deps.clientFor(configByName.get(host.name)!));
      watched.clear(agentId);
      // Only the agent's own exec counts: the IKE carrier replaces itself when it vanished.
      agentGone = () => watched.execNotFound(agentId);
      return watched.client;
    };
    const paths = await probeAgentSafely(ctx, client, deps, budget);
    return { paths, agentGone: agentGone() };
  };
  // Once per host: the revalidation if it already shows another agent, else a discovery of its own,
  // within what is left of the sweep (none left: the host stays as last seen).
  const rediscover = async (index: number, goneId: string): Promise<HostResult | null> => {
    const revalidated = await revalidations?.[index];
    if (revalidated && revalidated.agent?.containerId !== goneId) return settle(revalidated);
    const left = Math.floor(Math.min(discoveryOpts.deadlineMs, remaining() - ASSEMBLY_MARGIN_MS));
    return left > 0
      ? settle(await discover(config.hosts[index]!, { ...discoveryOpts, deadlineMs: left }))
      : null;
  };
  const settle = (fresh: HostResult): HostResult => {
    rediscovered.set(fresh.name, fresh);
    known.set(fresh.name, fresh);
    return fresh;
  };

  // Hosts with a known agent first: a host without one waits for its revalidation, and must not
  // hold a concurrency slot while the others could probe.
  const order = initial
    .map((_, i) => i)
    .filter((i) => probesFrom(initial[i]!))
    // Without an agent sorts after with one (false before true), then config order.
    .sort((a, b) => Number(!initial[a]!.agent) - Number(!initial[b]!.agent) || a - b);
  // Settles once every host that had an agent at the start is probed: past it, nothing waits for a
  // host whose Docker API has not answered anything this sweep (dead, black-holed, slow).
  let unprobed = total;
  let allProbed = () => {};
  const agentsProbed = new Promise<null>((resolve) => {
    allProbed = () => resolve(null);
  });
  if (unprobed === 0) allProbed();
  // Hosts whose Docker API answered this sweep's probes: their revalidation is worth waiting for.
  const answered = new Set<string>();
  const perHost = await boundedMap(order, config.sweep.concurrency, async (index) => {
    const start = initial[index]!;
    let from: HostResult | null = start;
    try {
      if (!hasAgent(from) && revalidations) {
        // A host without an agent last time is probed from only if its revalidation finds one
        // before the others are done.
        from = await Promise.race([revalidations[index]!, agentsProbed]);
        if (from && hasAgent(from)) total++;
      }
      if (!from || !hasAgent(from)) return [];
      let probed = await probeFrom(from);
      if (probed.paths.some((p) => p.state !== 'unknown')) answered.add(from.name);
      if (probed.agentGone) {
        const fresh = await rediscover(index, from.agent.containerId);
        if (fresh && hasAgent(fresh) && fresh.agent.containerId !== from.agent.containerId)
          probed = await probeFrom(fresh);
      }
      deps.onProgress?.({ phase: 'agent-probed', host: from.name, done: ++done, total });
      return probed.paths;
    } finally {
      if (hasAgent(start) && --unprobed === 0) allProbed();
    }
  });
  const discovered = revalidations
    ? await Promise.all(
        revalidations.map(async (p, i) =>
          answered.has(config.hosts[i]!.name)
            ? p
            : ((await Promise.race([p, agentsProbed])) ?? unanswered(cached[i]!)),
        ),
      )
    : initial;
  abandon.abort();
  const current = discovered.map((h) => rediscovered.get(h.name) ?? h);
  if (deps.shard) {
    // A shard's part: its paths; diagnosis waits for every shard (assembleReport).
    return {
      schemaVersion: SCHEMA_VERSION,
      environment: config.environment,
      startedAt: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      status: 'unknown',
      hosts: current,
      paths: perHost.flat(),
      verdicts: [],
    };
  }
  return assembleReport(config, deps, {
    started,
    durationMs: () => Math.round(performance.now() - t0),
    hosts: current,
    paths: perHost.flat(),
  });
}

/**
 * Paths and host results into the report: registrations checked, every ordered pair diagnosed (or,
 * sampling, carried). The end of every sweep, and of a sharded one once its shards are in.
 */
export function assembleReport(
  config: TunnelwatchConfig,
  deps: Pick<SweepDeps, 'diagnose' | 'onProgress' | 'previousReport'>,
  parts: { started: Date; durationMs: () => number; hosts: HostResult[]; paths: PathResult[] },
): SweepReport {
  const { started, hosts: current } = parts;
  const configByName = new Map(config.hosts.map((h) => [h.name, h]));
  const plan = samplingPlan(
    config.sweep.sampling,
    config.hosts.map((h) => h.name),
    started,
  );
  const paths = sortPaths(parts.paths, current);
  // What the peers dial for each host can prove a misregistration discovery could not see.
  const hosts = checkRegistrations(current, paths, configByName);

  const byPair = new PathsByPair(paths);
  const carried = plan ? unsampledVerdicts(deps.previousReport ?? null, plan) : null;
  const verdicts: Verdict[] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from.name === to.name) continue;
      // What discovery found on a host is fresh every sweep, sampled or not.
      const hostSpeaks = [from, to].some((h) => h.state !== 'up' || h.agent === null);
      if (plan && carried && !hostSpeaks && !pairSampled(plan, from.name, to.name)) {
        verdicts.push(carried(from.name, to.name));
        continue;
      }
      const forward = byPair.get(from.name, to.name);
      const reverse = byPair.get(to.name, from.name);
      const verdict = diagnoseSafely(deps.diagnose, { from, to, forward, reverse });
      verdicts.push(plan ? probedVerdict(verdict, started) : verdict);
    }
  }
  deps.onProgress?.({ phase: 'diagnosed', pairs: verdicts.length });

  return {
    schemaVersion: SCHEMA_VERSION,
    environment: config.environment,
    startedAt: started.toISOString(),
    durationMs: parts.durationMs(),
    status: sweepStatus(hosts, verdicts),
    hosts,
    paths,
    verdicts,
    ...(plan
      ? {
          sampling: {
            rotation: plan.rotation,
            peersPerSweep: plan.peersPerSweep,
            cycleSweeps: plan.cycleSweeps,
          },
        }
      : {}),
  };
}

/**
 * A host whose Docker API did not answer the sweep's discovery before its agents were all probed:
 * what was known of it, marked unknown with the reason (an earlier failure keeps its own reason).
 */
function unanswered(last: HostResult): HostResult {
  if (last.state === 'unknown') return last;
  const message = `no answer from the Docker API within this sweep (last seen ${last.state})`;
  return {
    ...last,
    state: 'unknown',
    findings: [...(last.findings ?? []), { code: 'docker-unreachable', message }],
    error: message,
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
