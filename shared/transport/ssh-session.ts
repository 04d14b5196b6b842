import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';
import type { DockerConnection } from '../config/tunnelwatch-config.js';
import { withConnectTimeout } from './connect-timeout.js';
import { TransportError } from './docker-host-client.js';
import { parseKnownHosts, sha256Fingerprint, type TrustedHostKeys, verifyHostKey } from './known-hosts.js';

type SshConnection = Extract<DockerConnection, { scheme: 'ssh' }>;

// What the docker CLI runs on the remote end of `ssh://` endpoints: stdin/stdout become a
// connection to the remote daemon's socket.
const DIAL_STDIO = 'docker system dial-stdio';

/**
 * One ssh connection to a host, opened on first use and shared by every Docker API request of
 * that host (each request is an exec channel running `docker system dial-stdio`) until close().
 * The server's host key must be in the configured known_hosts or pinned by SHA256 fingerprint;
 * anything else is refused before authentication, with the fingerprint and how to pin it.
 */
export class SshSession {
  readonly #connection: SshConnection;
  readonly #where: string;
  readonly #trust: TrustedHostKeys;
  #client: Client | null = null;
  #ready: Promise<Client> | null = null;
  #closed = false;

  constructor(connection: SshConnection, where: string) {
    this.#connection = connection;
    this.#where = where;
    this.#trust = {
      knownHosts: parseKnownHosts(connection.hostKeys.knownHosts ?? ''),
      sha256: connection.hostKeys.sha256,
    };
  }

  /** A byte stream to the remote Docker daemon, over the one shared ssh connection. */
  async dialStdio(): Promise<Duplex> {
    const client = await this.#connect();
    return new Promise((resolve, reject) => {
      client.exec(DIAL_STDIO, (err, channel) => {
        if (err)
          reject(new TransportError('unreachable', `${this.#where}: ssh exec of "${DIAL_STDIO}" refused`));
        else resolve(channel);
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client?.end();
    this.#client = null;
  }

  #connect(): Promise<Client> {
    if (this.#closed)
      return Promise.reject(new TransportError('aborted', `${this.#where}: ssh session closed`));
    this.#ready ??= new Promise<Client>((resolve, reject) => {
      const { host, port } = this.#connection;
      const client = new Client();
      this.#client = client;
      let refused: TransportError | null = null;
      let ready = false;
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (e: Error & { level?: string }) => {
        if (!ready) reject(refused ?? sshError(e, this.#where));
      });
      client.on('close', () => {
        if (!ready)
          reject(refused ?? new TransportError('unreachable', `${this.#where}: ssh connection closed`));
        // A dropped connection is not reopened within this session: the host is unreachable for this sweep.
        this.#ready = Promise.reject(
          new TransportError('unreachable', `${this.#where}: ssh connection lost`),
        );
        this.#ready.catch(() => {});
      });
      // Our own TCP connection, so a black-holed host fails at the connect timeout, not ssh2's 20 s.
      const sock = withConnectTimeout(
        netConnect({ host, port }),
        this.#connection.connectTimeoutMs,
        this.#where,
      );
      // ssh2 listens for the socket's errors once connect() has it; this keeps one that comes before
      // (or after a refused connect) from going unhandled.
      sock.on('error', () => {});
      try {
        client.connect({
          ...this.#authOptions(),
          host,
          port,
          sock,
          hostVerifier: (key: Buffer) => {
            const verdict = verifyHostKey(this.#trust, host, port, key);
            if (verdict === 'trusted') return true;
            refused = hostKeyRefused(this.#where, verdict, sha256Fingerprint(key), host, port);
            return false;
          },
        } as ConnectConfig);
      } catch (e) {
        // ssh2 refuses some options (an unparsable key) before it uses the socket.
        sock.destroy();
        reject(sshError(e as Error, this.#where));
      }
    });
    return this.#ready;
  }

  #authOptions(): ConnectConfig {
    const c = this.#connection;
    return {
      ...(c.username !== null ? { username: c.username } : {}),
      ...(c.privateKey ? { privateKey: c.privateKey.reveal() } : {}),
      ...(c.passphrase ? { passphrase: c.passphrase.reveal() } : {}),
      // Without an explicit key, the ssh agent, as the docker CLI does.
      ...(c.privateKey === null && process.env.SSH_AUTH_SOCK ? { agent: process.env.SSH_AUTH_SOCK } : {}),
    };
  }
}

function hostKeyRefused(
  where: string,
  verdict: 'revoked' | 'unknown',
  fingerprint: string,
  host: string,
  port: number,
): TransportError {
  if (verdict === 'revoked') {
    return new TransportError(
      'host-key',
      `${where}: the ssh host key ${fingerprint} is marked @revoked in known_hosts`,
    );
  }
  const scan = `ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host}`;
  return new TransportError(
    'host-key',
    `${where}: ssh host key ${fingerprint} is not trusted; if that is the host's key (check with \`${scan} | ssh-keygen -lf -\` on a trusted path), pin it with "docker": { "ssh": { "hostKeySha256": ["${fingerprint}"] } } or add it to the known_hosts file named by "docker.ssh.knownHostsFile"`,
  );
}

function sshError(e: Error & { level?: string; code?: string }, where: string): TransportError {
  // Ours already (the connect timeout): it says what happened better than ssh2's level would.
  if (e instanceof TransportError) return e;
  if (e.level === 'client-authentication')
    return new TransportError('auth', `${where}: ssh authentication failed`);
  if (e.level === 'client-timeout') return new TransportError('timeout', `${where}: ssh handshake timed out`);
  return new TransportError('unreachable', `${where}: ssh connection failed${e.code ? ` (${e.code})` : ''}`);
}
