import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load-config.js';
import { Secret } from '../../shared/config/secret.js';
import type { DockerConnection } from '../../shared/config/tunnelwatch-config.js';
import { DockerodeHostClient } from '../../shared/transport/dockerode-host-client.js';
import { type FakeSshDockerServer, startFakeSshDockerServer } from '../support/fake-ssh-docker-server.js';
import { fakeAgent, type HostileDaemon, startHostileDaemon } from '../support/hostile-docker-daemon.js';
import { startSimulatedFleet } from '../support/simulated-docker-fleet.js';

// ssh:// endpoints against a real ssh server (ssh2's Server on loopback) that forwards
// `docker system dial-stdio` to a fake Docker daemon: host keys are verified, and one ssh
// connection carries all of a host's Docker API calls until the client is closed.

const dir = mkdtempSync(join(tmpdir(), 'h12a-ssh-'));
const agent = fakeAgent(1, '100.64.0.2');
let daemon: HostileDaemon;
let ssh: FakeSshDockerServer;

beforeAll(async () => {
  daemon = await startHostileDaemon({
    socketPath: join(dir, 'docker.sock'),
    containers: [agent],
    exec: (argv) => ({ stdout: `ran ${argv.join(' ')}`, exitCode: 0 }),
  });
  ssh = await startFakeSshDockerServer(daemon.socketPath!);
});
afterAll(async () => {
  await ssh.close();
  await daemon.close();
  rmSync(dir, { recursive: true, force: true });
});

const connection = (hostKeys: { knownHosts?: string; sha256?: string[] }): DockerConnection => ({
  scheme: 'ssh',
  host: '127.0.0.1',
  port: ssh.port,
  username: ssh.user,
  privateKey: new Secret(ssh.clientKey),
  passphrase: null,
  hostKeys: { knownHosts: hostKeys.knownHosts ?? null, sha256: hostKeys.sha256 ?? [] },
  connectTimeoutMs: 3000,
});

/** A host's Docker calls in one sweep: discovery (list, inspect) and two execs. */
async function sweepCalls(client: DockerodeHostClient) {
  const opts = { deadlineMs: 5000 };
  const list = await client.listContainers(opts);
  const details = await client.inspectContainer(list[0]!.id, opts);
  const [a, b] = await Promise.all([
    client.exec(details.id, ['echo', 'one'], opts),
    client.exec(details.id, ['echo', 'two'], opts),
  ]);
  return { list, a, b };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('ssh host keys', () => {
  it('refuses an unknown host key before authenticating, printing its fingerprint and how to pin it', async () => {
    const before = { connections: ssh.connections(), authenticated: ssh.authenticated() };
    const client = new DockerodeHostClient(connection({}));
    try {
      const error = (await client.listContainers({ deadlineMs: 5000 }).catch((e: unknown) => e)) as Error & {
        kind: string;
      };
      expect(error).toMatchObject({ name: 'TransportError', kind: 'host-key' });
      expect(error.message).toContain(ssh.hostKey.sha256);
      expect(error.message).toContain(`"hostKeySha256": ["${ssh.hostKey.sha256}"]`);
      expect(error.message).toContain('knownHostsFile');
      expect(error.message).not.toContain('PRIVATE KEY');
      expect(ssh.connections()).toBe(before.connections + 1);
      expect(ssh.authenticated()).toBe(before.authenticated);
      expect(daemon.requests.length).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('refuses a key that differs from the pinned fingerprint', async () => {
    const other = `SHA256:${randomBytes(32).toString('base64').replace(/=+$/, '')}`;
    const client = new DockerodeHostClient(connection({ sha256: [other] }));
    await expect(client.listContainers({ deadlineMs: 5000 })).rejects.toMatchObject({
      kind: 'host-key',
    });
    await client.close();
  });

  it('accepts a host listed in known_hosts, plain ([host]:port) or hashed', async () => {
    const line = (hosts: string) => `${hosts} ${ssh.hostKey.type} ${ssh.hostKey.blob.toString('base64')}\n`;
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(`[127.0.0.1]:${ssh.port}`).digest('base64')}`;
    for (const knownHosts of [
      `# comment\nother.example ${ssh.hostKey.type} AAAA\n${line(`[127.0.0.1]:${ssh.port}`)}`,
      line(hashed),
    ]) {
      const client = new DockerodeHostClient(connection({ knownHosts }));
      try {
        await expect(client.listContainers({ deadlineMs: 5000 })).resolves.toHaveLength(1);
      } finally {
        await client.close();
      }
    }
  });

  it('refuses a key marked @revoked even when it is also pinned', async () => {
    const knownHosts = `@revoked [127.0.0.1]:${ssh.port} ${ssh.hostKey.type} ${ssh.hostKey.blob.toString('base64')}\n`;
    const client = new DockerodeHostClient(connection({ knownHosts, sha256: [ssh.hostKey.sha256] }));
    const error = (await client.listContainers({ deadlineMs: 5000 }).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ kind: 'host-key', message: expect.stringContaining('@revoked') });
    await client.close();
  });

  it('reads knownHostsFile and hostKeySha256 from the config', async () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(
      file,
      `[127.0.0.1]:${ssh.port} ${ssh.hostKey.type} ${ssh.hostKey.blob.toString('base64')}\n`,
    );
    const loaded = await parseConfig(
      {
        hosts: [
          {
            name: 'node-c',
            docker: {
              endpoint: `ssh://${ssh.user}@127.0.0.1:${ssh.port}`,
              ssh: { privateKey: ssh.clientKey, knownHostsFile: 'known_hosts' },
            },
          },
        ],
      },
      dir,
    );
    expect(loaded.ok).toBe(true);
    const client = new DockerodeHostClient(
      loaded.ok ? loaded.config.environments[0]!.hosts[0]!.docker : connection({}),
    );
    try {
      await expect(client.listContainers({ deadlineMs: 5000 })).resolves.toHaveLength(1);
    } finally {
      await client.close();
    }
  });
});

describe('one ssh connection per host per sweep', () => {
  it('carries list, inspect and concurrent execs over one connection, closed with the client', async () => {
    const before = ssh.connections();
    const dials = () => ssh.execs().filter((c) => c === 'docker system dial-stdio').length;
    const dialsBefore = dials();
    const client = new DockerodeHostClient(connection({ sha256: [ssh.hostKey.sha256] }));
    const { list, a, b } = await sweepCalls(client);
    expect(list.map((c) => c.id)).toEqual([agent.id]);
    expect(a).toEqual({ exitCode: 0, stdout: 'ran echo one', stderr: '' });
    expect(b).toEqual({ exitCode: 0, stdout: 'ran echo two', stderr: '' });
    // list, inspect, 2 × (create, start, inspect): 8 Docker API requests, a dial-stdio channel each.
    expect(dials() - dialsBefore).toBe(8);
    expect(ssh.connections()).toBe(before + 1);
    expect(ssh.open()).toBe(1);
    await client.close();
    await until(() => ssh.open() === 0);
    expect(ssh.open()).toBe(0);
  });

  it('a real sweep in its own process opens one connection per ssh host', async () => {
    const before = ssh.connections();
    const healthy = await startSimulatedFleet({ hosts: 1 });
    const { execFile } = await import('node:child_process');
    const config = join(dir, 'sweep.json');
    writeFileSync(
      config,
      JSON.stringify({
        hosts: [
          {
            name: 'over-ssh',
            docker: {
              endpoint: `ssh://${ssh.user}@127.0.0.1:${ssh.port}`,
              ssh: { privateKey: ssh.clientKey, hostKeySha256: [ssh.hostKey.sha256] },
            },
          },
          ...(healthy.config() as { hosts: object[] }).hosts,
        ],
        sweep: { deadlineMs: 8000 },
      }),
    );
    try {
      const stdout = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          ['--import', 'tsx', join(import.meta.dirname, '../support/transport-child.ts'), 'sweep', config],
          { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, timeout: 60_000 },
          (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
        ),
      );
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!).result as {
        hosts: { name: string; state: string }[];
      };
      expect(report.hosts.find((h) => h.name === 'over-ssh')).toMatchObject({ state: 'up' });
      expect(ssh.connections()).toBe(before + 1);
      await until(() => ssh.open() === 0);
      expect(ssh.open()).toBe(0);
    } finally {
      await healthy.close();
    }
  });
});
