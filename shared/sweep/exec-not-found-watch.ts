import type { DockerHostClient } from '../transport/docker-host-client.js';
import { isTransportError } from '../transport/docker-host-client.js';

export interface WatchedClient {
  client: DockerHostClient;
  /** Whether an exec in the agent failed with `not-found`: the container is gone (recreated or removed). */
  execNotFound(): boolean;
}

/**
 * Wraps a host's client so the sweep learns, as data, that the agent it probed from no longer
 * exists; the probes themselves only report `unknown` paths with a reason text.
 */
export function watchExecNotFound(inner: DockerHostClient): WatchedClient {
  let notFound = false;
  const client: DockerHostClient = {
    listContainers: (opts) => inner.listContainers(opts),
    inspectContainer: (id, opts) => inner.inspectContainer(id, opts),
    exec: async (id, argv, opts) => {
      try {
        return await inner.exec(id, argv, opts);
      } catch (e) {
        if (isTransportError(e) && e.kind === 'not-found') notFound = true;
        throw e;
      }
    },
    runSidecar: (spec) => inner.runSidecar(spec),
    ensureImage: (image, rootfs, opts) => inner.ensureImage(image, rootfs, opts),
    close: () => inner.close(),
  };
  return { client, execNotFound: () => notFound };
}
