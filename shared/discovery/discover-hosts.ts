import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
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
  return Promise.all(
    config.hosts.map(async (host): Promise<HostResult> => {
      try {
        return await discoverHost(host, clientFor(host), config.agent, opts);
      } catch (e) {
        const message = `discovery failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 300)}`;
        return {
          name: host.name,
          ...(host.underlayIp ? { underlayIp: host.underlayIp } : {}),
          state: 'unknown',
          agent: null,
          findings: [{ code: 'docker-unreachable', message }],
          error: message,
        };
      }
    }),
  );
}
