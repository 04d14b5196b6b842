import type { AgentSelector, HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { HostResult } from '../domain/sweep-report.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { type DiscoveryOptions, discoverHost } from './discover-host.js';

/**
 * Discovers every host at once; a slow or dead host costs at most `opts.deadlineMs` per call. A host
 * whose client cannot be built (or whose discovery throws despite its contract) is that host's
 * `unknown`; the other hosts' results stand.
 */
export function discoverHosts(
  config: Pick<TunnelwatchConfig, 'hosts' | 'agent'>,
  clientFor: (host: HostConfig) => DockerHostClient,
  opts: DiscoveryOptions,
): Promise<HostResult[]> {
  return Promise.all(config.hosts.map((host) => discoverHostSafely(host, clientFor, config.agent, opts)));
}

/** One host's discovery that never rejects; the cache, when given, remembers the result unless it was cancelled. */
export async function discoverHostSafely(
  host: HostConfig,
  clientFor: (host: HostConfig) => DockerHostClient,
  selector: AgentSelector,
  opts: DiscoveryOptions,
): Promise<HostResult> {
  let result: HostResult;
  try {
    result = await discoverHost(host, clientFor(host), selector, opts);
  } catch (e) {
    const message = `discovery failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
    result = {
      name: host.name,
      ...(host.underlayIp ? { underlayIp: host.underlayIp } : {}),
      state: 'unknown',
      agent: null,
      findings: [{ code: 'docker-unreachable', message }],
      error: message,
    };
  }
  // A discovery its caller cancelled (the sweep ended without it) says nothing about the host.
  if (!opts.signal?.aborted) opts.cache?.remember(result);
  return result;
}
