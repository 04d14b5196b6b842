import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { parseConfig } from '../../../shared/config/load-config.js';

// Every range and rule of the schema, at its edges: what an operator may write and what is refused,
// with the message that names the field.
const FIXTURES = new URL('../../fixtures/config/', import.meta.url).pathname;
const unix = { name: 'a', docker: { endpoint: 'unix:///run/a.sock' } };

async function issues(raw: object): Promise<string | null> {
  const result = await parseConfig(raw, FIXTURES);
  return result.ok ? null : formatIssues(result.issues);
}
const withProbes = (probes: object, sweep: object = { deadlineMs: 600_000 }) => ({
  hosts: [unix],
  probes,
  sweep,
});

describe('numeric ranges, at their edges', () => {
  it.each([
    [{ pingCount: 1 }, null],
    [{ pingCount: 100 }, null],
    [{ pingCount: 0 }, 'probes.pingCount: must be at least 1'],
    [{ pingCount: 101 }, 'probes.pingCount: must be at most 100'],
    [{ pingCount: 2.5 }, 'probes.pingCount: must be a whole number'],
    [{ pingIntervalSec: 0.2 }, null],
    [{ pingIntervalSec: 10 }, null],
    [{ pingIntervalSec: 10.5 }, 'probes.pingIntervalSec: must be at most 10'],
    [{ pingTimeoutSec: 30 }, null],
    [{ pingTimeoutSec: 0 }, 'probes.pingTimeoutSec: must be at least 1'],
    [{ pingTimeoutSec: 31 }, 'probes.pingTimeoutSec: must be at most 30'],
    [{ ikeTimeoutMs: 50 }, null],
    [{ ikeTimeoutMs: 30_000 }, null],
    [{ ikeTimeoutMs: 49 }, 'probes.ikeTimeoutMs: must be at least 50'],
    [{ ikeTimeoutMs: 30_001 }, 'probes.ikeTimeoutMs: must be at most 30000'],
    [{ ikeTimeoutMs: 100.5 }, 'probes.ikeTimeoutMs'],
  ])('probes %j', async (probes, expected) => {
    const found = await issues(withProbes(probes));
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });

  it.each([
    [{ deadlineMs: 600_000 }, null],
    [{ deadlineMs: 600_001 }, 'sweep.deadlineMs: must be at most 600000'],
    [{ deadlineMs: 999 }, 'sweep.deadlineMs: must be at least 1000'],
    [{ deadlineMs: 5000.5 }, 'sweep.deadlineMs'],
    [{ concurrency: 1 }, null],
    [{ concurrency: 256 }, null],
    [{ concurrency: 257 }, 'sweep.concurrency: must be at most 256'],
    [{ concurrency: 1.5 }, 'sweep.concurrency'],
    [{ connectTimeoutMs: 100 }, null],
    [{ connectTimeoutMs: 99 }, 'sweep.connectTimeoutMs: must be at least 100'],
    [{ connectTimeoutMs: 2500.5 }, 'sweep.connectTimeoutMs: must be a whole number'],
    [{ deadlineMs: 600_000, connectTimeoutMs: 60_000 }, null],
    [{ deadlineMs: 600_000, connectTimeoutMs: 60_001 }, 'sweep.connectTimeoutMs: must be at most 60000'],
    // Discovery gets a third of the deadline; the connect timeout must end inside it.
    [{ deadlineMs: 9001, connectTimeoutMs: 2999 }, null],
    [{ deadlineMs: 9000, connectTimeoutMs: 3000 }, 'sweep.connectTimeoutMs: 3000 ms is not shorter than'],
  ])('sweep %j', async (sweep, expected) => {
    const found = await issues({ hosts: [unix], sweep });
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });
});

describe('the deadline must hold one probe round', () => {
  // One round = (pingCount − 1) × interval + pingTimeoutSec, plus the IKE wait, plus 1 s of overhead.
  const round = { pingCount: 11, pingIntervalSec: 0.5, pingTimeoutSec: 2, ikeTimeoutMs: 1500 };
  const needed = (10 * 0.5 + 2) * 1000 + 1500 + 1000; // 9500 ms

  it('accepts a deadline of exactly one round and refuses one millisecond less, saying how long a round is', async () => {
    expect(await issues(withProbes(round, { deadlineMs: needed }))).toBeNull();
    expect(await issues(withProbes(round, { deadlineMs: needed - 1 }))).toBe(
      `sweep.deadlineMs: ${needed - 1} ms is shorter than one probe round (${needed} ms with these probe settings); raise it or lower probes.pingCount / pingTimeoutSec`,
    );
  });
});

describe('agent labels and names', () => {
  it.each([
    [{ selectorLabel: 'io.rancher.container.system' }, null],
    [{ selectorLabel: 'a=' }, null],
    [{ selectorLabel: 'x=y,z' }, 'agent.selectorLabel: expected a Docker label filter, "key" or "key=value"'],
    [{ selectorLabel: '=y' }, 'agent.selectorLabel'],
    [{ overlayIpLabel: 'io.rancher.container.ip' }, null],
    [{ overlayIpLabel: 'a=b' }, 'agent.overlayIpLabel: expected a Docker label key'],
    [{ overlayIpLabel: 'a b' }, 'agent.overlayIpLabel: expected a Docker label key'],
    [{ advertisedIpEnv: '_AGENT_IP2' }, null],
    [{ advertisedIpEnv: '2AGENT' }, 'agent.advertisedIpEnv: expected an environment variable name'],
    [{ advertisedIpEnv: 'AGENT-IP' }, 'agent.advertisedIpEnv: expected an environment variable name'],
  ])('agent %j', async (agent, expected) => {
    const found = await issues({ hosts: [unix], agent });
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });
});

describe('Docker connection rules', () => {
  const tcp = (docker: object) => ({
    hosts: [{ name: 'h', docker: { endpoint: 'tcp://198.18.0.11:2376', ...docker } }],
  });
  const ssh = (docker: object) => ({
    hosts: [{ name: 'h', docker: { endpoint: 'ssh://core@198.18.0.11', ...docker } }],
  });

  it.each([
    // Accepted by the schema; the loader then looks for the app settings.
    [
      'tls from app settings',
      tcp({ tls: { fromAppSettings: true } }),
      'app setting TUNNELWATCH_DOCKER_TLS_CA is not set',
    ],
    [
      'tls from app settings with inline parts',
      tcp({ tls: { fromAppSettings: true, ca: 'x', keyFile: 'k.pem' } }),
      'hosts[0].docker.tls: "fromAppSettings": true takes ca, cert and key from app settings; remove "ca", "keyFile"',
    ],
    [
      'tls with an empty PEM',
      tcp({ tls: { ca: '', cert: 'b', key: 'c' } }),
      'hosts[0].docker.tls.ca: must not be empty',
    ],
    [
      'tls with an empty path',
      tcp({ tls: { caFile: '', cert: 'b', key: 'c' } }),
      'hosts[0].docker.tls.caFile: must be a file path',
    ],
    ['insecure false on tcp without tls', tcp({ insecure: false }), 'tcp endpoints need "tls"'],
    [
      'insecure on unix',
      { hosts: [{ ...unix, docker: { ...unix.docker, insecure: false } }] },
      'hosts[0].docker.insecure: "insecure" only applies to tcp:// endpoints',
    ],
    [
      'ssh key from app settings',
      ssh({ ssh: { fromAppSettings: true } }),
      'app setting TUNNELWATCH_DOCKER_SSH_KEY is not set',
    ],
    [
      'ssh key from app settings and inline',
      ssh({ ssh: { fromAppSettings: true, privateKey: 'k' } }),
      'hosts[0].docker.ssh: "fromAppSettings": true takes the key from an app setting; remove "privateKey" / "privateKeyFile"',
    ],
    [
      'ssh key from app settings and a file',
      ssh({ ssh: { fromAppSettings: true, privateKeyFile: 'id_test' } }),
      '"fromAppSettings": true takes the key from an app setting',
    ],
    [
      'ssh key given twice',
      ssh({ ssh: { privateKey: 'k', privateKeyFile: 'id_test' } }),
      'hosts[0].docker.ssh.privateKey: give either "privateKeyFile" or "privateKey", not both',
    ],
    [
      'ssh on unix',
      { hosts: [{ ...unix, docker: { ...unix.docker, ssh: { privateKey: 'k' } } }] },
      'hosts[0].docker.ssh: "ssh" only applies to ssh:// endpoints, not unix://',
    ],
    [
      'tls on ssh',
      ssh({ tls: { ca: 'a' } }),
      'hosts[0].docker.tls: "tls" only applies to tcp:// endpoints, not ssh://',
    ],
  ])('%s', async (_what, raw, expected) => {
    const found = await issues(raw);
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });

  it('names every problem of a host, not just the first', async () => {
    const found = await issues({
      hosts: [{ name: 'bad name', underlayIp: 'x', docker: { endpoint: 'tcp://198.18.0.11:2376' } }],
    });
    expect(found).toContain('hosts[0].name: must be');
    expect(found).toContain('hosts[0].underlayIp: must be an IPv4 address');
    expect(found).toContain('hosts[0].docker.endpoint: tcp endpoints need "tls"');
  });
});

describe('the rules the mutation run found untested', () => {
  const ssh = (hostKeySha256: string[]) => ({
    hosts: [{ name: 'a', docker: { endpoint: 'ssh://root@198.18.0.11', ssh: { hostKeySha256 } } }],
  });
  const FP = `SHA256:${'A'.repeat(40)}+/9`;

  it('takes an ssh host key fingerprint exactly as ssh-keygen -lf prints it, and nothing around it', async () => {
    expect(FP).toHaveLength(7 + 43);
    expect(await issues(ssh([FP]))).toBeNull();
    for (const bad of [
      `SHA256:${'A'.repeat(42)}`,
      `${FP}A`,
      `x${FP}`,
      `${FP} `,
      `SHA256:${'A'.repeat(42)}-`,
      'SHA256:',
    ])
      expect(await issues(ssh([bad])), bad).toContain(
        'hosts[0].docker.ssh.hostKeySha256[0]: expected a fingerprint like "SHA256:" followed by 43 base64 characters',
      );
  });

  it('names the presets an unknown one should be', async () => {
    expect(await issues({ hosts: [unix], agent: { preset: 'rancher-2' } })).toBe(
      'agent.preset: expected one of auto, rancher-1.1, rancher-1.6',
    );
    expect(await issues({ hosts: [unix], agent: { preset: 'rancher-1.1' } })).toBeNull();
  });

  it('checks ping settings with the batch’s own rules', async () => {
    expect(await issues(withProbes({ pingIntervalSec: 0.3333 }))).toContain('probes.pingIntervalSec:');
    expect(await issues(withProbes({ pingCount: 3 }))).toBeNull();
  });
});
