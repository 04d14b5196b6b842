import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { HostConfig } from '../../shared/config/tunnelwatch-config.js';
import { hasLabel } from '../../shared/discovery/rancher-layout.js';
import type { ContainerDetails } from '../../shared/transport/docker-host-client.js';
import { DockerodeHostClient } from '../../shared/transport/dockerode-host-client.js';
import { DEFAULT_CONFIG_FILE } from '../lab/lab.js';
import { loadConfigOrThrow } from '../support/load-config-or-throw.js';

// The dockerode adapter against a real lab dockerd (TCP+TLS). Read-only for the lab: execs inside the
// agent and one short-lived sidecar that removes itself.
const LAB_CONFIG = process.env.TUNNELWATCH_LAB_CONFIG ?? DEFAULT_CONFIG_FILE;
let host: HostConfig;
let client: DockerodeHostClient;
let agent: ContainerDetails;

describe.skipIf(inject('labSkipReason') !== '')('DockerodeHostClient on a real dockerd', () => {
  beforeAll(async () => {
    const config = await loadConfigOrThrow({ path: LAB_CONFIG });
    host = config.hosts[0]!;
    client = new DockerodeHostClient(host.docker);
    const [summary] = (await client.listContainers({ deadlineMs: 5000 })).filter((c) =>
      hasLabel(c, config.agent.selectorLabel ?? 'io.rancher.container.ip'),
    );
    agent = await client.inspectContainer(summary!.id, { deadlineMs: 5000 });
  });

  it('runs argv in the agent and returns exit code, stdout and stderr separately', async () => {
    const r = await client.exec(agent.id, ['sh', '-c', 'echo out; echo err >&2; exit 7'], {
      deadlineMs: 5000,
    });
    expect(r).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('gives up at the deadline with a timeout error instead of waiting for the command', async () => {
    // kind 'timeout' comes only from the deadline timer; the command itself would have ended after 5 s.
    await expect(client.exec(agent.id, ['sleep', '5'], { deadlineMs: 400 })).rejects.toMatchObject({
      name: 'TransportError',
      kind: 'timeout',
      message: expect.stringContaining('no answer within 400 ms'),
    });
  });

  it('reports a missing binary as exit 126/127 and an unknown container as not-found', async () => {
    const missing = await client.exec(agent.id, ['/no/such/binary'], { deadlineMs: 5000 }).catch((e) => e);
    expect(missing.exitCode ?? missing.kind).toSatisfy(
      (v: unknown) => v === 126 || v === 127 || v === 'protocol',
    );
    await expect(client.inspectContainer('0'.repeat(64), { deadlineMs: 5000 })).rejects.toMatchObject({
      kind: 'not-found',
      statusCode: 404,
    });
  });

  it('runs a sidecar in the agent network namespace, feeding it stdin, and removes it', async () => {
    // The agent's own image (the lab's 1.6 router or 1.1 Network Agent): it has sh and ip.
    const image = (await client.listContainers({ deadlineMs: 5000 })).find((c) => c.id === agent.id)!.image;
    const r = await client.runSidecar({
      image,
      networkOfContainer: agent.id,
      argv: ['sh', '-c', 'cat; ip -o -4 addr show | grep -c inet'],
      stdin: 'hello from stdin\n',
      deadlineMs: 10_000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^hello from stdin\n\d+\n$/);
    const left = (await client.listContainers({ deadlineMs: 5000 })).filter((c) =>
      hasLabel(c, 'io.tunnelwatch.sidecar'),
    );
    expect(left.filter((c) => c.state === 'running')).toEqual([]);
  });
});
