import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { type Connection, type ParsedKey, Server, utils } from 'ssh2';
import { sha256Fingerprint } from '../../shared/transport/known-hosts.js';

/**
 * A real ssh server (ssh2's Server) on 127.0.0.1 in front of a fake Docker daemon's unix socket:
 * it accepts one client key and runs `docker system dial-stdio` exec channels the way the docker
 * CLI does on a remote host, by connecting them to the daemon socket. Counts connections.
 */
export interface FakeSshDockerServer {
  port: number;
  /** The server's host key as known_hosts and fingerprints see it. */
  hostKey: { type: string; blob: Buffer; sha256: string };
  /** The private key the server accepts for `user`. */
  clientKey: string;
  user: string;
  connections(): number;
  /** Connections that authenticated (a refused host key never gets this far). */
  authenticated(): number;
  /** Connections still open. */
  open(): number;
  execs(): string[];
  close(): Promise<void>;
}

export async function startFakeSshDockerServer(dockerSocket: string): Promise<FakeSshDockerServer> {
  const host = utils.generateKeyPairSync('ed25519');
  const client = utils.generateKeyPairSync('ed25519');
  const allowed = utils.parseKey(client.public) as ParsedKey;
  const hostPublic = utils.parseKey(host.public) as ParsedKey;
  const user = 'core';
  const live = new Set<Connection>();
  const commands: string[] = [];
  let connections = 0;
  let authenticated = 0;

  const server = new Server({ hostKeys: [host.private] }, (conn) => {
    connections += 1;
    live.add(conn);
    conn.on('close', () => live.delete(conn));
    conn.on('error', () => {});
    conn.on('authentication', (ctx) => {
      if (
        ctx.method === 'publickey' &&
        ctx.username === user &&
        ctx.key.algo === allowed.type &&
        ctx.key.data.equals(allowed.getPublicSSH()) &&
        (!ctx.signature || allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true)
      ) {
        ctx.accept();
      } else {
        ctx.reject(['publickey']);
      }
    });
    conn.on('ready', () => {
      authenticated += 1;
      conn.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, reject, info) => {
          commands.push(info.command);
          if (info.command !== 'docker system dial-stdio') return reject();
          const channel = acceptExec();
          const daemon = connect({ path: dockerSocket });
          daemon.on('error', () => {
            channel.exit(1);
            channel.end();
          });
          channel.pipe(daemon);
          daemon.pipe(channel);
          daemon.on('end', () => {
            channel.exit(0);
            channel.end();
          });
          channel.on('close', () => daemon.destroy());
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const blob = hostPublic.getPublicSSH();
  return {
    port: (server.address() as AddressInfo).port,
    hostKey: { type: hostPublic.type, blob, sha256: sha256Fingerprint(blob) },
    clientKey: client.private,
    user,
    connections: () => connections,
    authenticated: () => authenticated,
    open: () => live.size,
    execs: () => [...commands],
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of live) c.end();
        server.close(() => resolve());
      }),
  };
}
