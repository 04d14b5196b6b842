import type { DockerHostClient } from '../transport/docker-host-client.js';
import { isTransportError } from '../transport/docker-host-client.js';

export interface WatchedClient {
  /** The host's client, observed; the same object for the same inner client on every sweep. */
  client: DockerHostClient;
  /** Whether an exec in `containerId` failed with `not-found` since the last `clear`: the container is gone. */
  execNotFound(containerId: string): boolean;
  clear(containerId: string): void;
}

// One watch per client, so what the probes remember per client (the IKE probe's copy, its carrier) survives it.
const watches = new WeakMap<DockerHostClient, WatchedClient>();

/**
 * Wraps a host's client so the sweep learns, as data, that the agent it probed from no longer
 * exists; the probes themselves only report `unknown` paths with a reason text.
 */
export function watchExecNotFound(inner: DockerHostClient): WatchedClient {
  const known = watches.get(inner);
  if (known) return known;
  const gone = new Set<string>();
  const client: DockerHostClient = {
    listContainers: (opts) => inner.listContainers(opts),
    inspectContainer: (id, opts) => inner.inspectContainer(id, opts),
    exec: async (id, argv, opts) => {
      try {
        return await inner.exec(id, argv, opts);
      } catch (e) {
        if (isTransportError(e) && e.kind === 'not-found') gone.add(id);
        throw e;
      }
    },
    // Not watched: a copy's 404 may mean a missing directory, not a missing container.
    putArchive: (id, directory, tarball, opts) => inner.putArchive(id, directory, tarball, opts),
    startCarrier: (spec) => inner.startCarrier(spec),
    removeContainer: (id, opts) => inner.removeContainer(id, opts),
    ensureImage: (image, rootfs, opts) => inner.ensureImage(image, rootfs, opts),
    close: () => inner.close(),
  };
  const watched: WatchedClient = {
    client,
    execNotFound: (id) => gone.has(id),
    clear: (id) => {
      gone.delete(id);
    },
  };
  watches.set(inner, watched);
  return watched;
}
