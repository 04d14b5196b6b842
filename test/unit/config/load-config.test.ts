import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { loadConfig, parseConfig } from '../../../shared/config/load-config.js';
import type { TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';

const FIXTURES = new URL('../../fixtures/config/', import.meta.url).pathname;
const unixHost = (name: string) => ({ name, docker: { endpoint: `unix:///run/${name}.sock` } });

async function issuesOf(raw: unknown): Promise<string> {
  const result = await parseConfig(raw, FIXTURES);
  if (result.ok) throw new Error('expected the config to be refused');
  return formatIssues(result.issues);
}

async function configOf(raw: unknown): Promise<TunnelwatchConfig> {
  const result = await parseConfig(raw, FIXTURES);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  expect(result.config.environments).toHaveLength(1);
  return result.config.environments[0]!;
}

describe('loading a good config', () => {
  it('reads a YAML file with every field, resolving key files next to it', async () => {
    const result = await loadConfig({ path: join(FIXTURES, 'valid.yaml') });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const [h1, h2, h3] = result.config.environments[0]!.hosts;
    expect(h1).toMatchObject({
      name: 'h1',
      underlayIp: '198.18.0.11',
      docker: { scheme: 'tcp', host: '198.18.0.11', port: 2376 },
    });
    expect(h1!.docker.scheme === 'tcp' && h1!.docker.tls?.key.reveal()).toContain('TOP-SECRET-TLS-KEY');
    expect(h2!.docker).toEqual({ scheme: 'unix', socketPath: '/run/tunnelwatch-lab/h2/docker.sock' });
    // Rancher's 10.x addresses are fine as config values (they are only read here).
    expect(h3).toMatchObject({
      underlayIp: '10.42.0.7',
      docker: { scheme: 'ssh', host: '10.0.0.13', port: 22, username: 'core' },
    });
    expect(result.config.environments[0]!.probes).toEqual({
      pingCount: 5,
      pingIntervalSec: 0.2,
      pingTimeoutSec: 2,
      ikeTimeoutMs: 800,
    });
    // No connectTimeoutMs given and 15 s of deadline: half of discovery's 5 s.
    expect(result.config.environments[0]!.sweep).toEqual({
      deadlineMs: 15000,
      concurrency: 4,
      connectTimeoutMs: 2500,
    });
  });

  it('fills every default when only hosts are given', async () => {
    const config = await configOf({ hosts: [unixHost('a')] });
    expect(config.agent).toEqual({
      preset: 'auto',
      selectorLabel: null,
      overlayIpLabel: 'io.rancher.container.ip',
      advertisedIpEnv: 'CATTLE_AGENT_IP',
    });
    expect(config.probes).toEqual({
      pingCount: 3,
      pingIntervalSec: 0.2,
      pingTimeoutSec: 1,
      ikeTimeoutMs: 1000,
    });
    expect(config.sweep).toEqual({ deadlineMs: 20000, concurrency: 8, connectTimeoutMs: 3000 });
    // A short deadline stays valid: the default connect timeout shrinks to half of discovery's share.
    expect(
      (await configOf({ hosts: [unixHost('a')], sweep: { deadlineMs: 6000 } })).sweep.connectTimeoutMs,
    ).toBe(1000);
    expect(
      (await configOf({ hosts: [unixHost('a')], sweep: { deadlineMs: 6000, connectTimeoutMs: 1900 } })).sweep
        .connectTimeoutMs,
    ).toBe(1900);
    expect(config.hosts[0]!.underlayIp).toBeNull();
  });

  it('takes inline JSON from TUNNELWATCH_CONFIG', async () => {
    const env = { TUNNELWATCH_CONFIG: ` ${JSON.stringify({ hosts: [unixHost('inline')] })}` };
    const result = await loadConfig({ env });
    expect(result.ok && result.config.environments[0]!.hosts[0]!.name).toBe('inline');
  });

  it('takes a file path from TUNNELWATCH_CONFIG, and --config wins over it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-config-'));
    await writeFile(join(dir, 'a.json'), JSON.stringify({ hosts: [unixHost('from-setting')] }));
    await writeFile(join(dir, 'b.json'), JSON.stringify({ hosts: [unixHost('from-flag')] }));
    const env = { TUNNELWATCH_CONFIG: join(dir, 'a.json') };
    const fromSetting = await loadConfig({ env });
    const fromFlag = await loadConfig({ env, path: join(dir, 'b.json') });
    expect(fromSetting.ok && fromSetting.config.environments[0]!.hosts[0]!.name).toBe('from-setting');
    expect(fromFlag.ok && fromFlag.config.environments[0]!.hosts[0]!.name).toBe('from-flag');
  });

  it('accepts inline TLS values and explicitly insecure tcp', async () => {
    const config = await configOf({
      hosts: [
        {
          name: 'a',
          docker: { endpoint: 'tcp://198.18.0.11:2376', tls: { ca: 'CA', cert: 'CERT', key: 'INLINE-KEY' } },
        },
        { name: 'b', docker: { endpoint: 'tcp://198.18.0.12:2375', insecure: true } },
      ],
    });
    expect(config.hosts[1]!.docker).toEqual({
      scheme: 'tcp',
      host: '198.18.0.12',
      port: 2375,
      tls: null,
      connectTimeoutMs: 3000,
    });
  });
});

describe('refusing a bad config, naming the field and the fix', () => {
  const tcp = (docker: object) => ({
    hosts: [unixHost('ok'), { name: 'h', docker: { endpoint: 'tcp://198.18.0.11:2376', ...docker } }],
  });
  it.each([
    ['no hosts field', {}, 'hosts: required: list the Docker hosts to sweep'],
    ['empty hosts', { hosts: [] }, 'hosts: list at least one host'],
    [
      'unknown top-level field',
      { hosts: [unixHost('a')], sweeps: {} },
      '(config): unknown field(s) "sweeps"; check the spelling',
    ],
    [
      'typo in a host',
      { hosts: [{ ...unixHost('a'), underlay: '1.2.3.4' }] },
      'hosts[0]: unknown field(s) "underlay"',
    ],
    [
      'missing name',
      { hosts: [{ docker: { endpoint: 'unix:///x' } }] },
      'hosts[0].name: required: a unique host name',
    ],
    ['bad name', { hosts: [{ ...unixHost('a'), name: 'h 1;rm' }] }, 'hosts[0].name: must be letters, digits'],
    [
      'duplicate names',
      { hosts: [unixHost('a'), unixHost('b'), unixHost('a')] },
      'hosts[2].name: "a" is already the name of hosts[0]; names must be unique',
    ],
    [
      'bad underlay IP',
      { hosts: [{ ...unixHost('a'), underlayIp: '198.18.0.256' }] },
      'hosts[0].underlayIp: must be an IPv4 address such as 198.18.0.11',
    ],
    ['missing endpoint', { hosts: [{ name: 'a', docker: {} }] }, 'hosts[0].docker.endpoint: required, e.g.'],
    [
      'unknown scheme',
      { hosts: [{ name: 'a', docker: { endpoint: 'http://x:1' } }] },
      'hosts[0].docker.endpoint: expected unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST:PORT',
    ],
    [
      'relative unix path',
      { hosts: [{ name: 'a', docker: { endpoint: 'unix://run/d.sock' } }] },
      'hosts[0].docker.endpoint: unix endpoints need an absolute socket path',
    ],
    [
      'plain tcp',
      tcp({}),
      'hosts[1].docker.endpoint: tcp endpoints need "tls" (or "insecure": true, not recommended: the Docker API is root on the host)',
    ],
    [
      'tls and insecure',
      tcp({ insecure: true, tls: { ca: 'a', cert: 'b', key: 'c' } }),
      'hosts[1].docker.insecure: remove "insecure" when "tls" is given',
    ],
    [
      'tls without key',
      tcp({ tls: { ca: 'a', cert: 'b' } }),
      'hosts[1].docker.tls: needs "keyFile" (a path) or "key" (the PEM text)',
    ],
    [
      'key given twice',
      tcp({ tls: { ca: 'a', cert: 'b', key: 'c', keyFile: 'k' } }),
      'hosts[1].docker.tls.key: give either "keyFile" or "key", not both',
    ],
    [
      'unreadable key file',
      tcp({ tls: { ca: 'a', cert: 'b', keyFile: 'missing.pem' } }),
      'hosts[1].docker.tls.keyFile: cannot read',
    ],
    [
      'tls on unix',
      { hosts: [{ name: 'a', docker: { endpoint: 'unix:///x', tls: { ca: 'a' } } }] },
      'hosts[0].docker.tls: "tls" only applies to tcp:// endpoints',
    ],
    [
      'ssh key on tcp',
      tcp({ insecure: true, ssh: { privateKey: 'k' } }),
      'hosts[1].docker.ssh: "ssh" only applies to ssh:// endpoints',
    ],
    [
      'malformed host key fingerprint',
      { hosts: [{ name: 'a', docker: { endpoint: 'ssh://u@h', ssh: { hostKeySha256: ['MD5:ab:cd'] } } }] },
      'hosts[0].docker.ssh.hostKeySha256[0]: expected a fingerprint like "SHA256:" followed by 43 base64 characters',
    ],
    [
      'unreadable known_hosts file',
      {
        hosts: [
          { name: 'a', docker: { endpoint: 'ssh://u@h', ssh: { knownHostsFile: 'no-such-known-hosts' } } },
        ],
      },
      'hosts[0].docker.ssh.knownHostsFile: cannot read',
    ],
    [
      'password in endpoint',
      { hosts: [{ name: 'a', docker: { endpoint: 'ssh://u:pw@h:22' } }] },
      'hosts[0].docker.endpoint: passwords in the endpoint are not supported',
    ],
    [
      'wrong type',
      { hosts: [unixHost('a')], probes: { pingCount: '3' } },
      'probes.pingCount: expected number, got string',
    ],
    [
      'fractional timeout',
      { hosts: [unixHost('a')], probes: { pingTimeoutSec: 1.5 } },
      'probes.pingTimeoutSec: must be a whole number of seconds',
    ],
    [
      'interval too short',
      { hosts: [unixHost('a')], probes: { pingIntervalSec: 0.01 } },
      'probes.pingIntervalSec: must be at least 0.2',
    ],
    [
      // The batch passes milliseconds to ping: a fourth decimal used to pass here and be refused there.
      'interval finer than a millisecond',
      { hosts: [unixHost('a')], probes: { pingIntervalSec: 0.3333 } },
      'probes.pingIntervalSec: must have at most 3 decimals',
    ],
    [
      'interval finer than a millisecond above one second',
      { hosts: [unixHost('a')], probes: { pingIntervalSec: 1.0001 } },
      'probes.pingIntervalSec: must have at most 3 decimals',
    ],
    [
      'a connect timeout that is not a whole number of milliseconds',
      { hosts: [unixHost('a')], sweep: { connectTimeoutMs: 'soon' } },
      'sweep.connectTimeoutMs: expected number, got string',
    ],
    [
      'a connect timeout as long as discovery’s share of the sweep',
      { hosts: [unixHost('a')], sweep: { deadlineMs: 9000, connectTimeoutMs: 3000 } },
      'sweep.connectTimeoutMs: 3000 ms is not shorter than discovery’s share',
    ],
    [
      'zero concurrency',
      { hosts: [unixHost('a')], sweep: { concurrency: 0 } },
      'sweep.concurrency: must be at least 1',
    ],
    [
      'bad selector',
      { hosts: [unixHost('a')], agent: { selectorLabel: 'a b' } },
      'agent.selectorLabel: expected a Docker label filter',
    ],
    [
      'deadline shorter than a probe round',
      { hosts: [unixHost('a')], probes: { pingCount: 20 }, sweep: { deadlineMs: 3000 } },
      'sweep.deadlineMs: 3000 ms is shorter than one probe round',
    ],
  ])('%s', async (_what, raw, expected) => {
    expect(await issuesOf(raw)).toContain(expected);
  });

  it('says what is wrong with the source itself', async () => {
    const none = await loadConfig({ env: {} });
    expect(!none.ok && formatIssues(none.issues)).toContain(
      'no config given: pass --config PATH or set TUNNELWATCH_CONFIG',
    );
    const badInline = await loadConfig({ env: { TUNNELWATCH_CONFIG: '{"hosts": [' } });
    expect(!badInline.ok && formatIssues(badInline.issues)).toContain(
      'TUNNELWATCH_CONFIG: inline JSON does not parse',
    );
    const missing = await loadConfig({ path: '/nonexistent/tw.yaml' });
    expect(!missing.ok && formatIssues(missing.issues)).toContain(
      '--config: cannot read config file /nonexistent/tw.yaml (ENOENT)',
    );
    const dir = await mkdtemp(join(tmpdir(), 'tw-config-'));
    await writeFile(join(dir, 'bad.yaml'), 'hosts: [unclosed\n');
    const badYaml = await loadConfig({ path: join(dir, 'bad.yaml') });
    expect(!badYaml.ok && formatIssues(badYaml.issues)).toContain('not valid YAML');
    expect(!badYaml.ok && formatIssues(badYaml.issues)).toContain(' at line ');
  });
});

describe('config text errors never quote the text (it holds key material)', () => {
  const PASS = 'hunter2-PASSPHRASE';
  it.each([
    [
      'a YAML tag on a passphrase line',
      'bad.yaml',
      `hosts:\n  - name: a\n    docker:\n      endpoint: ssh://u@h\n      ssh:\n        passphrase: !secret ${PASS}\n`,
      'not valid YAML: TAG_RESOLVE_FAILED at line 6',
    ],
    [
      'broken YAML around a key',
      'bad.yaml',
      `hosts: [{name: a, docker: {ssh: {passphrase: ${PASS}\n`,
      'not valid YAML:',
    ],
    [
      'broken JSON around a key',
      'bad.json',
      `{"hosts": [{"passphrase": ${PASS}}]}`,
      'not valid JSON does not parse; check quotes',
    ],
  ])('%s', async (_what, file, text, expected) => {
    const dir = await mkdtemp(join(tmpdir(), 'h12b-config-'));
    await writeFile(join(dir, file), text);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const loaded = await loadConfig({ path: join(dir, file) });
      await new Promise((resolve) => setImmediate(resolve));
      const message = !loaded.ok ? formatIssues(loaded.issues) : '';
      expect(message).toContain(expected);
      expect(message + warnings.join('\n')).not.toContain(PASS);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('inline JSON in the app setting', async () => {
    const loaded = await loadConfig({ env: { TUNNELWATCH_CONFIG: `{"hosts": [{"key": ${PASS}}]}` } });
    const message = !loaded.ok ? formatIssues(loaded.issues) : '';
    expect(message).toContain('TUNNELWATCH_CONFIG: inline JSON does not parse; check quotes');
    expect(message).not.toContain(PASS);
  });
});

describe('secrets', () => {
  const SECRET = 'TOP-SECRET-INLINE-KEY';
  const raw = (extra: object) => ({
    hosts: [
      {
        name: 'a',
        docker: { endpoint: 'tcp://198.18.0.11:2376', tls: { ca: 'CA', cert: 'CERT', key: SECRET } },
      },
      {
        name: 'b',
        docker: { endpoint: 'ssh://core@198.18.0.12', ssh: { privateKey: SECRET, passphrase: SECRET } },
      },
    ],
    ...extra,
  });

  it('never appear when a loaded config is printed, inspected or serialised', async () => {
    const config = await configOf(raw({}));
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: 10 })).not.toContain(SECRET);
    expect(String(config.hosts[0]!.docker.scheme === 'tcp' && config.hosts[0]!.docker.tls?.key)).toBe(
      '[redacted]',
    );
    const fromFile = await loadConfig({ path: join(FIXTURES, 'valid.yaml') });
    expect(inspect(fromFile, { depth: 10 }) + JSON.stringify(fromFile)).not.toMatch(/TOP-SECRET/);
  });

  it('never appear in error messages, whatever else is wrong', async () => {
    const text = await issuesOf(
      raw({ probes: { pingCount: SECRET }, agent: { selectorLabel: SECRET.replace(/-/g, ' ') } }),
    );
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('SECRET');
    const wrongType = await issuesOf({
      hosts: [{ name: 'a', docker: { endpoint: 'tcp://h:1', tls: { ca: 'a', cert: 'b', key: 7 } } }],
    });
    expect(wrongType).toContain('hosts[0].docker.tls.key: expected string, got number');
  });
});
