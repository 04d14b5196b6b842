import type { HostConfig } from '../config/tunnelwatch-config.js';
import type { DockerHostClient } from './docker-host-client.js';
import { DockerodeHostClient } from './dockerode-host-client.js';

export interface DockerClients {
  clientFor: (host: HostConfig) => DockerHostClient;
  close: () => Promise<void>;
}

/** One client per configured host, created on first use and closed together. */
export function openDockerClients(): DockerClients {
  const clients = new Map<string, DockerHostClient>();
  return {
    clientFor(host) {
      let client = clients.get(host.name);
      if (!client) {
        client = new DockerodeHostClient(host.docker);
        clients.set(host.name, client);
      }
      return client;
    },
    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
