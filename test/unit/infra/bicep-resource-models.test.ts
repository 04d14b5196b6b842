import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import {
  ARM_ENVELOPE,
  ENVELOPE_ONLY,
  modelKey,
  RESOURCE_MODELS,
  type ResourceModel,
  TOLERATED,
} from './arm-resource-models.js';
import { checkResourceBody, type ModelProblem } from './bicep-model-check.js';
import {
  listBicepFiles,
  objectProperty,
  parseBicep,
  REPO_ROOT,
  resourceDeclarations,
  stringValue,
  variablesOf,
} from './bicep-source.js';

// Every resource body in infra/ against the model Microsoft's generated SDK serialises for its type:
// property names and nesting. The SDK models are newer API versions than the ones infra/ pins (see
// RESOURCE_MODELS' sdkApiVersion and docs/deploy.md); a property the newer version renamed or
// dropped would show up here as unknown, one it added is simply not used.

const models = new Map<string, ResourceModel>();
async function modelFor(key: string): Promise<ResourceModel | null> {
  const loader = RESOURCE_MODELS[key];
  if (!loader) return null;
  let model = models.get(key);
  if (!model) {
    model = await loader();
    models.set(key, model);
  }
  return model;
}

interface Finding extends ModelProblem {
  file: string;
  resource: string;
  key: string;
}

async function checkSource(
  file: string,
  source: string,
): Promise<{ findings: Finding[]; unmodelled: string[]; checked: string[] }> {
  const root = await parseBicep(source);
  const vars = variablesOf(root);
  const findings: Finding[] = [];
  const unmodelled: string[] = [];
  const checked: string[] = [];
  for (const r of resourceDeclarations(root)) {
    if (r.existing || !r.body) continue;
    const name = stringValue(objectProperty(r.body, 'name'));
    const key = modelKey(r.type, name);
    const model = await modelFor(key);
    const shape = model?.shape ?? (key in ENVELOPE_ONLY ? ARM_ENVELOPE : null);
    if (!shape) {
      unmodelled.push(`${file}:${r.line} ${key}`);
      continue;
    }
    checked.push(`${r.symbol} ${key}@${r.apiVersion}`);
    for (const p of checkResourceBody(r.body as Node, shape, vars)) {
      findings.push({
        ...p,
        file,
        key,
        resource: `${r.symbol} (${key}@${r.apiVersion}, model ${model?.source ?? 'ARM envelope'})`,
      });
    }
  }
  return { findings, unmodelled, checked };
}

const report = (findings: Finding[]) =>
  findings.map((f) => `${f.file}:${f.line} ${f.resource}: ${f.path} ${f.message}`);

describe('infra/ resource bodies against the ARM SDK models', () => {
  const results: Awaited<ReturnType<typeof checkSource>>[] = [];
  beforeAll(async () => {
    for (const abs of listBicepFiles()) {
      const rel = abs.slice(REPO_ROOT.length + 1);
      results.push(await checkSource(rel, readFileSync(abs, 'utf8')));
    }
  }, 60_000);

  it('has a model (or a stated reason not to) for every resource type declared', () => {
    expect(results.flatMap((r) => r.unmodelled)).toEqual([]);
    // The walk really reached the resources, nested children included.
    const checked = results.flatMap((r) => r.checked).join('\n');
    for (const type of [
      'Microsoft.Web/sites@',
      'Microsoft.Web/sites/config=appsettings@',
      'Microsoft.Storage/storageAccounts/blobServices/containers@',
      'Microsoft.Insights/scheduledQueryRules@',
      'Microsoft.Network/networkSecurityGroups@',
    ]) {
      expect(checked).toContain(type);
    }
  });

  it('uses only property names the models know, nested where the models nest them', () => {
    const tolerated = (f: Finding) => TOLERATED.some((t) => t.key === f.key && t.path === f.path);
    expect(report(results.flatMap((r) => r.findings).filter((f) => !tolerated(f)))).toEqual([]);
  });

  it('tolerates only API-version differences that still occur', () => {
    const findings = results.flatMap((r) => r.findings);
    const stale = TOLERATED.filter((t) => !findings.some((f) => f.key === t.key && f.path === t.path));
    expect(stale).toEqual([]);
  });
});

describe('the model check itself', () => {
  const site = (properties: string) => `
resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: 'fn'
  location: 'westeurope'
  kind: 'functionapp,linux'
  properties: ${properties}
}`;
  const problems = async (source: string) => report((await checkSource('snippet.bicep', source)).findings);

  it('passes a correct body', async () => {
    expect(
      await problems(
        site(`{ httpsOnly: true, siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' } }`),
      ),
    ).toEqual([]);
  });

  it('fails a misspelt property and names the one meant', async () => {
    const found = await problems(site(`{ httpsOnly: true, siteConfig: { minTlsVersoin: '1.2' } }`));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /snippet\.bicep:\d+ site .*properties\.siteConfig\.minTlsVersoin is not a property of this model \(did you mean 'minTlsVersion'\?\)/,
    );
  });

  it('fails a property at the wrong level', async () => {
    // minTlsVersion belongs to siteConfig, not to the site's properties.
    const found = await problems(site(`{ httpsOnly: true, minTlsVersion: '1.2' }`));
    expect(found).toEqual([expect.stringMatching(/properties\.minTlsVersion is not a property/)]);
  });

  it('fails a wrong casing, and an array where the model has an object', async () => {
    const found = await problems(site(`{ HttpsOnly: true, siteConfig: [ { minTlsVersion: '1.2' } ] }`));
    expect(found).toEqual([
      expect.stringMatching(
        /properties\.HttpsOnly is not a property of this model \(did you mean 'httpsOnly'\?\)/,
      ),
      expect.stringMatching(/properties\.siteConfig is an array, but the model has an object here/),
    ]);
  });

  it('fails an object where a mapper model has a scalar, and a read-only property', async () => {
    // TypeSpec serializers pass scalars through unseen; AutoRest mappers name their types.
    const found = await problems(`
resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg'
  location: 'x'
  properties: { flushConnection: { on: true }, provisioningState: 'Succeeded' }
}`);
    expect(found).toEqual([
      expect.stringMatching(/properties\.flushConnection is an object, but the model has a Boolean here/),
      expect.stringMatching(/properties\.provisioningState is read-only in the model/),
    ]);
  });

  it('follows variables, ternaries, unions and for-bodies to the literals they hold', async () => {
    const source = `
var appSettingsBase = { FOO: 'x' }
var rules = [for p in [1, 2]: { name: 'r\${p}', properties: { priorty: p, access: 'Allow' } }]
resource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg'
  location: 'x'
  properties: { securityRules: rules }
}
resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv'
  location: 'x'
  properties: cond ? { tenantId: 't', sku: { family: 'A', name: 'standard' } } : union({ tenantId: 't' }, { enableRbacAuthorisation: true })
}`;
    expect(await problems(source)).toEqual([
      expect.stringMatching(
        /nsg .*properties\.securityRules\[\]\.properties\.priorty is not a property .*'priority'/,
      ),
      expect.stringMatching(
        /kv .*properties\.enableRbacAuthorisation is not a property .*'enableRbacAuthorization'/,
      ),
    ]);
  });

  it('checks nested child resources with their parent’s type, and the envelope of every body', async () => {
    const source = `
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st'
  location: 'x'
  sku: { name: 'Standard_LRS' }
  kind: 'StorageV2'
  tags: { a: 'b' }
  properties: { minimumTlsVersion: 'TLS1_2' }
  resource blobService 'blobServices' = {
    name: 'default'
    resource container 'containers' = {
      name: 'c'
      properties: { publicAccess: 'None', publicAcess: 'None' }
    }
  }
}
resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg'
  location: 'x'
  tag: {}
}`;
    expect(await problems(source)).toEqual([
      expect.stringMatching(
        /container \(Microsoft\.Storage\/storageAccounts\/blobServices\/containers@2023-05-01.*properties\.publicAcess is not a property/,
      ),
      expect.stringMatching(
        /rg \(Microsoft\.Resources\/resourceGroups@2024-03-01, model ARM envelope\): tag is not a property .*'tags'/,
      ),
    ]);
  });

  it('reports a resource type with no model instead of passing it silently', async () => {
    const { unmodelled } = await checkSource(
      'snippet.bicep',
      `resource x 'Microsoft.Made/up@2020-01-01' = { name: 'x', properties: {} }`,
    );
    expect(unmodelled).toEqual(['snippet.bicep:1 Microsoft.Made/up']);
  });
});
