import { Agent, type AgentOptions } from 'node:http';
import { isIP, connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { inspect } from 'node:util';
import type { DockerConnection } from '../config/tunnelwatch-config.js';
import { withConnectTimeout } from './connect-timeout.js';
import { describeConnection } from './describe-connection.js';
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
  const socketFor = directSocket(connection);
  // unix / tcp: keep-alive as Node's global agent does it (what dockerode used before): a finished
  // response frees its connection for the next request, and the byte count starts again with it. The
  // idle timeout lets the server's Keep-Alive hint retire a connection before the server closes it
  // (reusing one the server is closing fails the request with EPIPE). ssh: an exec channel is no
  // net.Socket (no setKeepAlive / setTimeout / unref), so one channel per request, over one session.
  const options: AgentOptions = socketFor
    ? { keepAlive: true, scheduling: 'lifo', timeout: 5000 }
    : { keepAlive: false };
  const agent = new Agent(options);
  // docker-modem inspects every request's options, agent included, with showHidden and no depth
  // limit, before it asks whether debug output is on: across the agent's sockets that cost a
  // 200-host sweep a quarter of a second. Its own one-line description costs nothing.
  Object.defineProperty(agent, inspect.custom, { value: () => `[Docker connection agent ${where}]` });
  agent.on('free', (socket: Duplex) => readSoFar.set(socket, 0));
  // unix / tcp: returned at once, like Node's own Agent (connection errors reach the request as
  // socket errors). ssh: handed over once the session has opened a channel (the callback form).
  (agent as unknown as { createConnection: unknown }).createConnection = (
    _options: unknown,
    done: (err: Error | null, socket?: Duplex) => void,
  ): Duplex | undefined => {
    if (socketFor) return capped(socketFor(), where, maxBytes);
    if (!sshStream) throw new Error('an ssh connection needs its ssh session');
    sshStream().then(
      (socket) => done(null, capped(socket, where, maxBytes)),
      (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
    );
    return undefined;
  };
  return agent;
}

function directSocket(connection: DockerConnection): (() => Duplex) | null {
  switch (connection.scheme) {
    case 'unix':
      return () => netConnect({ path: connection.socketPath });
    case 'tcp': {
      const { host, port, tls, connectTimeoutMs } = connection;
      const where = describeConnection(connection);
      if (!tls) return () => withConnectTimeout(netConnect({ host, port }), connectTimeoutMs, where);
      const key = tls.key.reveal();
      return () =>
        withConnectTimeout(
          tlsConnect({
            host,
            port,
            ca: tls.ca,
            cert: tls.cert,
            key,
            // SNI takes names only; an address is checked against the certificate's IP SANs.
            ...(isIP(host) === 0 ? { servername: host } : {}),
          }),
          connectTimeoutMs,
          where,
        );
    }
    case 'ssh':
      return null;
  }
}

const readSoFar = new WeakMap<Duplex, number>();

function capped(socket: Duplex, where: string, maxBytes: number): Duplex {
  readSoFar.set(socket, 0);
  socket.on('data', (chunk: Buffer) => {
    const read = (readSoFar.get(socket) ?? 0) + chunk.length;
    readSoFar.set(socket, read);
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

/** Closes the connections kept alive between requests; those still in use end with their request. */
export function closeIdleConnections(agent: Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}
