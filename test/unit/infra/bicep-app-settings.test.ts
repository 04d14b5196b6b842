import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../../shared/config/app-settings.js';
import { DEFAULT_SHARD_CONTAINER } from '../../../shared/fanout/blob-shard-store.js';
import { DEFAULT_REPORT_CONTAINER } from '../../../shared/history/blob-report-history-store.js';
import { FUNCTION_WORKER_FLAGS } from '../../bench/function-worker-flags.js';
import {
  appSettingsExpression,
  type BicepFile,
  INFRA_DIR,
  objectProperty,
  readBicepFile,
  settingKeys,
  variables,
} from './bicep-source.js';

// Settings Flex Consumption rejects or ignores (runtime and package come from functionAppConfig),
// plus key-based storage/telemetry settings that must never appear.
const FORBIDDEN_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'AzureWebJobsStorage',
  'APPINSIGHTS_INSTRUMENTATIONKEY',
];

/**
 * A quoted Bicep string whose only interpolations are `${instanceMemoryMB / N}`, as it is for one
 * instance size (Bicep's int division); anything else in it fails the test.
 */
function bicepText(quoted: string, instanceMemoryMB: number): string {
  expect(quoted).toMatch(/^'[^']*'$/);
  return quoted.slice(1, -1).replace(/\$\{([^}]*)\}/g, (_, expression: string) => {
    const divided = /^instanceMemoryMB \/ (\d+)$/.exec(expression.trim());
    if (!divided) throw new Error(`unexpected interpolation \${${expression}} in ${quoted}`);
    return String(Math.trunc(instanceMemoryMB / Number(divided[1])));
  });
}

let sweeper: BicepFile;
let keys: Set<string>;
let settingText: (name: string) => string;

beforeAll(async () => {
  sweeper = await readBicepFile(join(INFRA_DIR, 'app/sweeper.bicep'));
  const expression = appSettingsExpression(sweeper);
  if (!expression) throw new Error(`${sweeper.rel}: no 'appsettings' config resource with properties found`);
  const vars = variables(sweeper);
  keys = settingKeys(expression, vars);
  settingText = (name) => {
    for (const value of vars.values()) {
      const v = value.type === 'object' ? objectProperty(value, name) : null;
      if (v) return v.text;
    }
    return '';
  };
});

describe('app settings: Bicep vs. what the code reads', () => {
  it('sets every setting the code reads (shared/config/app-settings.ts)', () => {
    // A connection may be set in its identity-based form: NAME__queueServiceUri, NAME__credential, …
    const missing = Object.values(APP_SETTINGS).filter(
      (name) => !keys.has(name) && ![...keys].some((k) => k.startsWith(`${name}__`)),
    );
    expect(missing, `add these to the appsettings in ${sweeper.rel}`).toEqual([]);
  });

  it('sets no TUNNELWATCH_* setting the code does not read', () => {
    const known = new Set<string>(Object.values(APP_SETTINGS));
    const unknown = [...keys].filter(
      (k) => k.startsWith('TUNNELWATCH_') && !known.has(k.replace(/__[A-Za-z]+$/, '')),
    );
    expect(unknown, 'add them to APP_SETTINGS or drop them from the Bicep').toEqual([]);
  });

  // The fleet bench measures a 200-host sweep with the flags of the 2,048 MB instance.
  const heapFlags = (memoryMb: number) => ({
    nodeOptions: bicepText(settingText('NODE_OPTIONS'), memoryMb),
    workerArguments: bicepText(settingText('languageWorkers__node__arguments'), memoryMb),
  });

  it("sizes the Node worker's heap to the instance: capped at half, started at a sixteenth", () => {
    expect(heapFlags(2048)).toEqual({
      nodeOptions: FUNCTION_WORKER_FLAGS.nodeOptions.join(' '),
      workerArguments: FUNCTION_WORKER_FLAGS.workerArguments.join(' '),
    });
    expect(heapFlags(512).nodeOptions).toContain('--max-old-space-size=256');
  });

  it('gives node only flags it starts with: NODE_OPTIONS refuses most V8 flags, and the worker would not start', () => {
    for (const memoryMb of [512, 2048, 4096]) {
      const { nodeOptions, workerArguments } = heapFlags(memoryMb);
      const run = spawnSync(
        process.execPath,
        [...workerArguments.split(' '), '-e', 'process.stdout.write("up")'],
        {
          env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
          encoding: 'utf8',
        },
      );
      expect({ memoryMb, status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({
        memoryMb,
        status: 0,
        stderr: '',
        stdout: 'up',
      });
    }
  });

  it('gives the host identity-based storage and Entra-authenticated telemetry', () => {
    for (const name of [
      'AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage__credential',
      'AzureWebJobsStorage__clientId',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ]) {
      expect(keys, name).toContain(name);
    }
    expect(settingText('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is Bicep interpolation text, not JS
    const aadClientId = 'Authorization=AAD;ClientId=${identityClientId}';
    expect(settingText('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toContain(aadClientId);
    expect(settingText('AZURE_CLIENT_ID')).toBe('identityClientId');
  });

  it('sets none of the settings Flex Consumption rejects, and no key-based connection', () => {
    expect(FORBIDDEN_SETTINGS.filter((name) => keys.has(name))).toEqual([]);
  });

  it('takes every Docker credential from Key Vault through the user-assigned identity', () => {
    const credentialSettings = [
      APP_SETTINGS.dockerTlsCa,
      APP_SETTINGS.dockerTlsCert,
      APP_SETTINGS.dockerTlsKey,
      APP_SETTINGS.dockerSshKey,
    ];
    for (const name of credentialSettings)
      expect(settingText(name), name).toMatch(/^'\$\{keyVaultSecretReference\}docker-[a-z-]+\)'$/);
    const reference = variables(sweeper).get('keyVaultSecretReference')?.text ?? '';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is Bicep interpolation text, not JS
    expect(reference).toBe("'@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName='");
    expect(readFileSync(sweeper.abs, 'utf8')).toMatch(/keyVaultReferenceIdentity:\s*identityResourceId/);
  });

  it('sends report bodies to the storage account blob endpoint, into the container the code writes, with a lifecycle backstop', () => {
    expect(settingText(APP_SETTINGS.reportBlobEndpoint)).toBe('reportBlobEndpoint');
    const main = readFileSync(join(INFRA_DIR, 'main.bicep'), 'utf8');
    expect(main).toMatch(/^\s*reportBlobEndpoint:\s*storage\.outputs\.blobEndpoint$/m);
    const storage = readFileSync(join(INFRA_DIR, 'core/storage/storage-account.bicep'), 'utf8');
    expect(storage).toContain(`param reportsContainerName string = '${DEFAULT_REPORT_CONTAINER}'`);
    expect(storage).toMatch(/resource reportsContainer 'containers' = \{\s*name: reportsContainerName/);
    // The rule deletes only report blobs, never the deployment package or the host's blobs.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is Bicep interpolation text, not JS
    expect(storage).toContain("prefixMatch: ['${reportsContainerName}/', '${shardsContainerName}/']");
    // Sharded sweeps in flight: the container the shard store writes, under the same backstop.
    expect(storage).toContain(`param shardsContainerName string = '${DEFAULT_SHARD_CONTAINER}'`);
    expect(storage).toMatch(/resource shardsContainer 'containers' = \{\s*name: shardsContainerName/);
  });
});
