import type { HostName } from '../domain/host-name.js';
import type { OverlayIp } from '../domain/ipv4.js';
import type { HostResult } from '../domain/sweep-report.js';
import type { CallOptions, ContainerDetails, DockerHostClient } from '../transport/docker-host-client.js';
import { LruMap } from './lru-map.js';

/** Containers remembered: a host's agent and rancher-agent, and their successors after recreation. */
export const DEFAULT_MAX_CACHED_CONTAINERS = 4096;
/** Hosts whose last discovery is remembered; a config far larger is outside the supported size. */
export const DEFAULT_MAX_CACHED_HOSTS = 1024;

interface CachedContainer {
  details: ContainerDetails;
  /** The overlay IP read inside the agent (`ip addr`), for agents without the overlay label. */
  overlayInside?: OverlayIp;
}

/**
 * What discovery learnt in earlier sweeps, for the sweeps of one assembled sweep (serve, a warm
 * Function instance). Inspect results are kept by container id: a container's labels and env never
 * change while its id is the same, so the steady state is one list call per host and no inspect.
 * A host's last HostResult lets the next sweep start probing before its list call returns
 * (runSweep). State and Docker-assigned addresses are never cached: they come from each list.
 */
export class DiscoveryCache {
  readonly #containers: LruMap<string, CachedContainer>;
  readonly #hosts: LruMap<HostName, HostResult>;

  constructor(maxContainers = DEFAULT_MAX_CACHED_CONTAINERS, maxHosts = DEFAULT_MAX_CACHED_HOSTS) {
    this.#containers = new LruMap(maxContainers);
    this.#hosts = new LruMap(maxHosts);
  }

  /** The container's details, asked of the host only the first time this id is seen. */
  async inspect(client: DockerHostClient, id: string, opts: CallOptions): Promise<ContainerDetails> {
    const known = this.#containers.get(id);
    if (known) return known.details;
    const details = await client.inspectContainer(id, opts);
    // Keyed by the id asked for and the full id answered, so a short id finds it too.
    this.#containers.set(id, { details });
    if (details.id !== id) this.#containers.set(details.id, { details });
    return details;
  }

  overlayInside(id: string): OverlayIp | undefined {
    return this.#containers.get(id)?.overlayInside;
  }

  rememberOverlayInside(id: string, ip: OverlayIp): void {
    const known = this.#containers.get(id);
    if (known) this.#containers.set(id, { ...known, overlayInside: ip });
  }

  /** The host's result from the last discovery through this cache, if any. */
  lastResult(host: HostName): HostResult | undefined {
    return this.#hosts.get(host);
  }

  remember(result: HostResult): void {
    this.#hosts.set(result.name, result);
  }
}
