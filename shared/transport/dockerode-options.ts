import type Docker from 'dockerode';
import type { DockerConnection } from '../config/tunnelwatch-config.js';

/** dockerode constructor options for one host; the only place key material is revealed. */
export function dockerodeOptions(connection: DockerConnection): Docker.DockerOptions {
  switch (connection.scheme) {
    case 'unix':
      return { socketPath: connection.socketPath };
    case 'tcp':
      if (!connection.tls) return { protocol: 'http', host: connection.host, port: connection.port };
      return {
        protocol: 'https',
        host: connection.host,
        port: connection.port,
        ca: connection.tls.ca,
        cert: connection.tls.cert,
        key: connection.tls.key.reveal(),
      };
    case 'ssh':
      return {
        protocol: 'ssh',
        host: connection.host,
        port: connection.port,
        ...(connection.username ? { username: connection.username } : {}),
        sshOptions: {
          ...(connection.privateKey ? { privateKey: connection.privateKey.reveal() } : {}),
          ...(connection.passphrase ? { passphrase: connection.passphrase.reveal() } : {}),
          // Without an explicit key, fall back to the ssh agent like the docker CLI does.
          ...(connection.privateKey
            ? {}
            : process.env.SSH_AUTH_SOCK
              ? { agent: process.env.SSH_AUTH_SOCK }
              : {}),
        },
      };
  }
}

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
