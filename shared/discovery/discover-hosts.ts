import type { HostConfig, TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import type { HostResult } from '../domain/sweep-report.js';
import type { DockerHostClient } from '../transport/docker-host-client.js';
import { type DiscoveryOptions, discoverHost } from './discover-host.js';

/** Discovers every host at once; a slow or dead host costs at most `opts.deadlineMs` per call. */
export function discoverHosts(
  config: Pick<TunnelwatchConfig, 'hosts' | 'agent'>,
  clientFor: (host: HostConfig) => DockerHostClient,
  opts: DiscoveryOptions,
): Promise<HostResult[]> {
  return Promise.all(config.hosts.map((host) => discoverHost(host, clientFor(host), config.agent, opts)));
}
