import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { loadConfig, parseConfig } from '../../../shared/config/load-config.js';

// Stand-ins for the PEM text Key Vault hands the app; the key line doubles as a leak detector.
const CA = '-----BEGIN CERTIFICATE-----\nCA-BODY\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nCERT-BODY\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nKEY-MATERIAL-NEVER-PRINTED\n-----END PRIVATE KEY-----\n';
const SSH =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nSSH-MATERIAL-NEVER-PRINTED\n-----END OPENSSH PRIVATE KEY-----\n';
const UNRESOLVED = '@Microsoft.KeyVault(VaultName=kv-tw;SecretName=docker-tls-key)';

const TLS_ENV = {
  TUNNELWATCH_DOCKER_TLS_CA: CA,
  TUNNELWATCH_DOCKER_TLS_CERT: CERT,
  TUNNELWATCH_DOCKER_TLS_KEY: KEY,
};

const tlsHost = (name: string, tls: object = { fromAppSettings: true }) => ({
  name,
  docker: { endpoint: 'tcp://198.18.0.11:2376', tls },
});
const sshHost = (ssh: object = { fromAppSettings: true }) => ({
  name: 's',
  docker: { endpoint: 'ssh://core@198.18.0.13:22', ssh },
});

async function issues(raw: unknown, env: Record<string, string>): Promise<string> {
  const result = await parseConfig(raw, '/nonexistent', env);
  if (result.ok) throw new Error('expected the config to be refused');
  return formatIssues(result.issues);
}

describe('Docker credentials from app settings ("fromAppSettings": true)', () => {
  it('reads TLS ca/cert/key for every opted-in host and keeps the key a Secret', async () => {
    const result = await parseConfig({ hosts: [tlsHost('a'), tlsHost('b')] }, '/nonexistent', TLS_ENV);
    if (!result.ok) throw new Error(formatIssues(result.issues));
    for (const host of result.config.environments[0]!.hosts) {
      expect(host.docker).toMatchObject({ scheme: 'tcp', host: '198.18.0.11', port: 2376 });
      const tls = host.docker.scheme === 'tcp' ? host.docker.tls : null;
      expect(tls?.ca).toBe(CA);
      expect(tls?.cert).toBe(CERT);
      expect(tls?.key.reveal()).toBe(KEY);
    }
    expect(JSON.stringify(result.config) + inspect(result.config, { depth: 10 })).not.toContain(
      'KEY-MATERIAL',
    );
  });

  it('reads the ssh private key from TUNNELWATCH_DOCKER_SSH_KEY', async () => {
    const result = await parseConfig({ hosts: [sshHost()] }, '/nonexistent', {
      TUNNELWATCH_DOCKER_SSH_KEY: SSH,
    });
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const docker = result.config.environments[0]!.hosts[0]!.docker;
    expect(docker.scheme === 'ssh' && docker.privateKey?.reveal()).toBe(SSH);
  });

  it('works through loadConfig with the config itself inline in TUNNELWATCH_CONFIG (the Function path)', async () => {
    const result = await loadConfig({
      env: { ...TLS_ENV, TUNNELWATCH_CONFIG: JSON.stringify({ hosts: [tlsHost('a')] }) },
    });
    expect(result.ok).toBe(true);
  });

  it('names the missing setting and how to set it', async () => {
    const { TUNNELWATCH_DOCKER_TLS_CERT: _omitted, ...env } = TLS_ENV;
    expect(await issues({ hosts: [tlsHost('a')] }, env)).toBe(
      'hosts[0].docker.tls.fromAppSettings: app setting TUNNELWATCH_DOCKER_TLS_CERT is not set; set it to the PEM text (in Azure infra/ makes it a Key Vault reference, see docs/deploy.md)',
    );
    expect(await issues({ hosts: [sshHost()] }, {})).toContain(
      'hosts[0].docker.ssh.fromAppSettings: app setting TUNNELWATCH_DOCKER_SSH_KEY is not set',
    );
  });

  it('says an unresolved Key Vault reference needs the secret and the Key Vault Secrets User role, without echoing it', async () => {
    const text = await issues(
      { hosts: [tlsHost('a')] },
      { ...TLS_ENV, TUNNELWATCH_DOCKER_TLS_KEY: UNRESOLVED },
    );
    expect(text).toContain('hosts[0].docker.tls.fromAppSettings: app setting TUNNELWATCH_DOCKER_TLS_KEY');
    expect(text).toContain('unresolved Key Vault reference');
    expect(text).toContain('secret it names exists');
    expect(text).toContain('"Key Vault Secrets User"');
    expect(text).not.toContain('kv-tw');
    expect(text).not.toContain('docker-tls-key');
    expect(await issues({ hosts: [sshHost()] }, { TUNNELWATCH_DOCKER_SSH_KEY: `  ${UNRESOLVED}` })).toContain(
      'TUNNELWATCH_DOCKER_SSH_KEY is still an unresolved Key Vault reference',
    );
  });

  it('refuses a value that is not PEM text without printing it', async () => {
    const text = await issues(
      { hosts: [tlsHost('a')] },
      { ...TLS_ENV, TUNNELWATCH_DOCKER_TLS_KEY: 'S0VZLU1BVEVSSUFMLU5FVkVSLVBSSU5URUQ=' },
    );
    expect(text).toContain('TUNNELWATCH_DOCKER_TLS_KEY does not hold PEM text');
    expect(text).not.toContain('S0VZ');
  });

  it('refuses mixing fromAppSettings with inline or file credentials', async () => {
    expect(
      await issues({ hosts: [tlsHost('a', { fromAppSettings: true, keyFile: 'k.pem' })] }, TLS_ENV),
    ).toBe(
      'hosts[0].docker.tls: "fromAppSettings": true takes ca, cert and key from app settings; remove "keyFile"',
    );
    expect(await issues({ hosts: [sshHost({ fromAppSettings: true, privateKey: SSH })] }, {})).toBe(
      'hosts[0].docker.ssh: "fromAppSettings": true takes the key from an app setting; remove "privateKey" / "privateKeyFile"',
    );
  });

  it('treats "fromAppSettings": false as absent: TLS then needs its files or values', async () => {
    expect(await issues({ hosts: [tlsHost('a', { fromAppSettings: false })] }, TLS_ENV)).toContain(
      'hosts[0].docker.tls: needs "caFile" (a path) or "ca" (the PEM text)',
    );
  });

  it('does not read the settings for hosts that did not opt in', async () => {
    const result = await parseConfig(
      { hosts: [{ name: 'u', docker: { endpoint: 'unix:///run/u.sock' } }] },
      '/nonexistent',
      { TUNNELWATCH_DOCKER_TLS_KEY: UNRESOLVED },
    );
    expect(result.ok).toBe(true);
  });
});
