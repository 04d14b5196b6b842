import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { HostConfig } from '../../shared/config/tunnelwatch-config.js';
import { hasLabel } from '../../shared/discovery/rancher-layout.js';
import {
  IKE_PROBE_AGENT_DIR,
  IKE_PROBE_AGENT_PATH,
  ikeProbeAgentTar,
} from '../../shared/probes/ike/ike-agent-copy.js';
import { ikeSaInitRequestTemplate } from '../../shared/probes/ike/ike-sa-init-request.js';
import type { ContainerDetails } from '../../shared/transport/docker-host-client.js';
import { DockerodeHostClient } from '../../shared/transport/dockerode-host-client.js';
import { DEFAULT_CONFIG_FILE } from '../lab/lab.js';
import { loadConfigOrThrow } from '../support/load-config-or-throw.js';

// The dockerode adapter against a real lab dockerd (TCP+TLS). Nearly read-only for the lab: execs
// inside the agent, the IKE probe program put into it and removed again, and one short-lived
// sidecar that removes itself.
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

  it('puts the IKE probe program into the agent (PUT archive): root-owned 0755, runnable there, removable', async () => {
    const call = { deadlineMs: 10_000 };
    await client.putArchive(agent.id, IKE_PROBE_AGENT_DIR, ikeProbeAgentTar(), call);
    try {
      const listed = await client.exec(agent.id, ['ls', '-ln', IKE_PROBE_AGENT_PATH], call);
      expect(listed.stdout).toMatch(/^-rwxr-xr-x\s+1\s+0\s+0\s/);
      // A template and no targets: the program only prints its last line.
      const template = Buffer.from(ikeSaInitRequestTemplate({ nonceLength: 32 })).toString('hex');
      const ran = await client.exec(agent.id, [IKE_PROBE_AGENT_PATH, '100', template], {
        ...call,
        completeMarker: '- end',
      });
      expect(ran).toEqual({ exitCode: 0, stdout: '- end\n', stderr: '' });
      // The same bytes again (a one-shot run puts it in every time): replaced, not refused.
      await client.putArchive(agent.id, IKE_PROBE_AGENT_DIR, ikeProbeAgentTar(), call);
    } finally {
      await client.exec(agent.id, ['rm', '-f', IKE_PROBE_AGENT_PATH], call);
    }
    expect((await client.exec(agent.id, ['ls', IKE_PROBE_AGENT_PATH], call)).exitCode).not.toBe(0);
  });

  it('starts a carrier in the agent’s network and PID namespaces, execs in it, and removes it', async () => {
    // The agent's own image (the lab's 1.6 router or 1.1 Network Agent): it has sh, ip and ps.
    const image = (await client.listContainers({ deadlineMs: 5000 })).find((c) => c.id === agent.id)!.image;
    const label = 'io.tunnelwatch.carrier';
    const carrier = await client.startCarrier({
      image,
      ofContainer: agent.id,
      argv: ['sleep', '60'],
      labels: { [label]: 'e2e-docker-host-client' },
      deadlineMs: 10_000,
    });
    try {
      const [inCarrier, inAgent] = await Promise.all(
        [carrier, agent.id].map((id) =>
          client.exec(id, ['sh', '-c', 'ip -o -4 addr show | sort; ps -o comm | sort'], {
            deadlineMs: 10_000,
          }),
        ),
      );
      expect(inCarrier!.exitCode).toBe(0);
      // One network namespace (same addresses) and one PID namespace (the agent's charon is seen).
      expect(inCarrier!.stdout.split('\n').filter((l) => l.includes('inet'))).toEqual(
        inAgent!.stdout.split('\n').filter((l) => l.includes('inet')),
      );
      expect(inCarrier!.stdout).toContain('charon');
      const marked = await client.exec(carrier, ['sh', '-c', 'echo out; echo "@@done"'], {
        deadlineMs: 10_000,
        completeMarker: '@@done',
      });
      expect(marked).toEqual({ exitCode: 0, stdout: 'out\n@@done\n', stderr: '' });
      // The carrier's root filesystem is read-only: dockerd refuses a copy into it with a status code
      // (what the IKE probe reads as "this agent cannot take the program", and falls back on).
      const refused = await client
        .putArchive(carrier, '/', ikeProbeAgentTar(), { deadlineMs: 10_000 })
        .then(() => null)
        .catch((e) => e);
      expect(refused).toMatchObject({ name: 'TransportError', kind: 'protocol' });
      expect([400, 403, 500]).toContain(refused.statusCode);
    } finally {
      await client.removeContainer(carrier, { deadlineMs: 10_000 });
    }
    // This test's carrier is gone (the sweeps' own carriers of other files stay).
    const mine = `${label}=e2e-docker-host-client`;
    expect((await client.listContainers({ deadlineMs: 5000 })).filter((c) => hasLabel(c, mine))).toEqual([]);
    // Removing what is already gone is not an error.
    await client.removeContainer(carrier, { deadlineMs: 10_000 });
  });
});
