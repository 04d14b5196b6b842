import { Agent, type AgentOptions } from 'node:http';
import { isIP, connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { DockerConnection } from '../config/tunnelwatch-config.js';
import { TransportError } from './docker-host-client.js';

/** Opens the byte stream one Docker API request (or hijacked exec) runs over. */
export type StreamOpener = () => Promise<Duplex>;

/**
 * The http.Agent every Docker API request of one host goes through. It alone opens connections,
 * to exactly the endpoint in the config (whatever host and port the request was built with), and
 * caps the bytes read on each: a daemon that streams without end gets its connection destroyed
 * with `response-too-large` instead of filling the monitor's memory. TLS material and the ssh
 * session live in closures, never in inspectable properties (docker-modem's debug output dumps
 * request options, agent included).
 */
export function dockerConnectionAgent(
  connection: DockerConnection,
  where: string,
  maxBytes: number,
  sshStream: StreamOpener | null,
): Agent {
  const open = opener(connection, sshStream);
  const agent = new Agent({ keepAlive: false } satisfies AgentOptions);
  // Node's Agent accepts an asynchronous createConnection (callback form); the types only know the sync one.
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _options: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ) => {
    open().then(
      (socket) => done(null, capped(socket, where, maxBytes)),
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
    return undefined;
  };
  return agent;
}

function opener(connection: DockerConnection, sshStream: StreamOpener | null): StreamOpener {
  switch (connection.scheme) {
    case 'unix':
      return () => connected(netConnect({ path: connection.socketPath }), 'connect');
    case 'tcp': {
      const { host, port, tls } = connection;
      if (!tls) return () => connected(netConnect({ host, port }), 'connect');
      const key = tls.key.reveal();
      return () =>
        connected(
          tlsConnect({
            host,
            port,
            ca: tls.ca,
            cert: tls.cert,
            key,
            // SNI takes names only; an address is checked against the certificate's IP SANs.
            ...(isIP(host) === 0 ? { servername: host } : {}),
          }),
          'secureConnect',
        );
    }
    case 'ssh':
      if (!sshStream) throw new Error('an ssh connection needs its ssh session');
      return sshStream;
  }
}

function connected(socket: Duplex, event: 'connect' | 'secureConnect'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function capped(socket: Duplex, where: string, maxBytes: number): Duplex {
  let read = 0;
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes && !socket.destroyed) {
      socket.destroy(
        new TransportError(
          'response-too-large',
          `${where}: the Docker API sent more than ${maxBytes / 1024 / 1024} MiB on one request; refused`,
        ),
      );
    }
  });
  return socket;
}
