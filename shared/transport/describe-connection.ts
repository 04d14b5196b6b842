import type { DockerConnection } from '../config/tunnelwatch-config.js';

/** How a connection is named in messages: no key material, no user names. */
export function describeConnection(connection: DockerConnection): string {
  switch (connection.scheme) {
    case 'unix':
      return `unix://${connection.socketPath}`;
    case 'tcp':
      return `tcp://${connection.host}:${connection.port}`;
    case 'ssh':
      return `ssh://${connection.host}:${connection.port}`;
  }
}
