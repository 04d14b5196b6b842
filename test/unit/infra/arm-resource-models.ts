// Which SDK model stands for each resource type infra/ declares, and for which API version it was
// generated. One SDK package carries one API version per operation group, usually newer than the
// version our Bicep pins; what that means for the check is in TOLERATED below and docs/deploy.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Shape, shapeFromMappers, shapeFromSerializer } from './arm-model-shapes.js';
import { REPO_ROOT } from './bicep-source.js';

export interface ResourceModel {
  /** `package:model`, for messages. */
  source: string;
  /** The API version the SDK's model was generated for. */
  sdkApiVersion: string;
  shape: Shape;
}

const modulesDir = join(REPO_ROOT, 'node_modules');
const require = createRequire(import.meta.url);

/** A TypeSpec package's models module, by file (their `exports` maps hide it). */
async function typespec(pkg: string, modelsFile: string, serializer: string): Promise<Shape> {
  const mod = (await import(pathToFileURL(join(modulesDir, pkg, modelsFile)).href)) as Record<
    string,
    unknown
  >;
  const fn = mod[serializer];
  if (typeof fn !== 'function') throw new Error(`${pkg} has no ${serializer} in ${modelsFile}`);
  return shapeFromSerializer(fn as (item: unknown) => unknown);
}

/**
 * An AutoRest package's mappers.js. It imports nothing, but some of these packages are not marked
 * `"type": "module"`, so Node would read their ESM file as CommonJS: evaluate its text as a module.
 */
const mapperModules = new Map<string, Promise<Record<string, unknown>>>();
async function autorest(pkg: string, mappersFile: string, className: string): Promise<Shape> {
  const file = join(modulesDir, pkg, mappersFile);
  let loading = mapperModules.get(file);
  if (!loading) {
    const text = readFileSync(file, 'utf8');
    if (/^\s*import\s/m.test(text)) throw new Error(`${file} has imports; load it another way`);
    loading = import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`);
    mapperModules.set(file, loading);
  }
  return shapeFromMappers(await loading, className);
}

/** @azure/arm-appinsights 4 is ms-rest generation: its CommonJS entry exports the mappers. */
function appInsights(className: string): Shape {
  const mappers = (
    require('@azure/arm-appinsights') as { ApplicationInsightsManagementMappers: Record<string, unknown> }
  ).ApplicationInsightsManagementMappers;
  return shapeFromMappers(mappers, className);
}

const APPSERVICE = ['@azure/arm-appservice', 'dist/esm/models/models.js', '2025-05-01'] as const;
const STORAGE = ['@azure/arm-storage', 'dist/esm/models/models.js', '2025-08-01'] as const;
const KEYVAULT = ['@azure/arm-keyvault', 'dist/esm/models/models.js', '2026-02-01'] as const;
const NETWORK = ['@azure/arm-network', 'dist/esm/models/mappers.js', '2025-05-01'] as const;

type Loader = () => Promise<ResourceModel>;
const ts =
  ([pkg, file, version]: readonly [string, string, string], serializer: string): Loader =>
  async () => ({
    source: `${pkg}:${serializer}`,
    sdkApiVersion: version,
    shape: await typespec(pkg, file, serializer),
  });
const ar =
  (pkg: string, file: string, version: string, className: string): Loader =>
  async () => ({
    source: `${pkg}:${className}`,
    sdkApiVersion: version,
    shape: await autorest(pkg, file, className),
  });

/**
 * Resource type (child types as `parent/child`; `Microsoft.Web/sites/config` by its name too) →
 * the model of the body ARM accepts on PUT.
 */
export const RESOURCE_MODELS: Readonly<Record<string, Loader>> = {
  'Microsoft.Web/serverfarms': ts(APPSERVICE, 'appServicePlanSerializer'),
  'Microsoft.Web/sites': ts(APPSERVICE, 'siteSerializer'),
  'Microsoft.Web/sites/config=appsettings': ts(APPSERVICE, 'stringDictionarySerializer'),
  'Microsoft.Web/sites/basicPublishingCredentialsPolicies': ts(
    APPSERVICE,
    'csmPublishingCredentialsPoliciesEntitySerializer',
  ),
  'Microsoft.Storage/storageAccounts': ts(STORAGE, 'storageAccountCreateParametersSerializer'),
  'Microsoft.Storage/storageAccounts/blobServices': ts(STORAGE, 'blobServicePropertiesSerializer'),
  'Microsoft.Storage/storageAccounts/blobServices/containers': ts(STORAGE, 'blobContainerSerializer'),
  'Microsoft.Storage/storageAccounts/tableServices': ts(STORAGE, 'tableServicePropertiesSerializer'),
  'Microsoft.Storage/storageAccounts/queueServices': ts(STORAGE, 'queueServicePropertiesSerializer'),
  'Microsoft.Storage/storageAccounts/queueServices/queues': ts(STORAGE, 'storageQueueSerializer'),
  'Microsoft.Storage/storageAccounts/managementPolicies': ts(STORAGE, 'managementPolicySerializer'),
  'Microsoft.KeyVault/vaults': ts(KEYVAULT, 'vaultCreateOrUpdateParametersSerializer'),
  'Microsoft.Insights/actionGroups': ts(
    ['@azure/arm-monitor', 'dist/esm/models/actionGroupsApi/models.js', '2024-10-01-preview'],
    'actionGroupResourceSerializer',
  ),
  'Microsoft.Insights/scheduledQueryRules': ts(
    ['@azure/arm-monitor', 'dist/esm/models/scheduledQueryRuleApi/models.js', '2025-01-01-preview'],
    'scheduledQueryRuleResourceSerializer',
  ),
  'Microsoft.Network/networkSecurityGroups': ar(...NETWORK, 'NetworkSecurityGroup'),
  'Microsoft.Network/virtualNetworks': ar(...NETWORK, 'VirtualNetwork'),
  'Microsoft.Network/virtualNetworks/subnets': ar(...NETWORK, 'Subnet'),
  'Microsoft.ManagedIdentity/userAssignedIdentities': ar(
    '@azure/arm-msi',
    'dist/esm/models/mappers.js',
    '2024-11-30',
    'Identity',
  ),
  'Microsoft.OperationalInsights/workspaces': ar(
    '@azure/arm-operationalinsights',
    'dist-esm/src/models/mappers.js',
    '2022-10-01',
    'Workspace',
  ),
  'Microsoft.Authorization/roleAssignments': ar(
    '@azure/arm-authorization',
    'dist-esm/src/models/mappers.js',
    '2022-04-01',
    'RoleAssignmentCreateParameters',
  ),
  'Microsoft.Insights/components': async () => ({
    source: '@azure/arm-appinsights:ApplicationInsightsComponent',
    sdkApiVersion: '2018-05-01-preview',
    shape: appInsights('ApplicationInsightsComponent'),
  }),
  'Microsoft.Insights/workbooks': async () => ({
    source: '@azure/arm-appinsights:Workbook',
    sdkApiVersion: '2021-08-01',
    shape: appInsights('Workbook'),
  }),
};

/**
 * Where the SDK model and the API version infra/ pins disagree, per resource type and property path,
 * and why the Bicep is right. Each entry must still match a finding (the test fails on a stale one).
 */
export const TOLERATED: readonly { key: string; path: string; why: string }[] = [
  {
    key: 'Microsoft.Insights/components',
    path: 'properties.WorkspaceResourceId',
    why: 'added in API 2020-02-02 (workspace-based Application Insights); the SDK model is 2018-05-01-preview',
  },
  {
    key: 'Microsoft.Insights/components',
    path: 'properties.DisableLocalAuth',
    why: 'added in API 2020-02-02-preview; the SDK model is 2018-05-01-preview',
  },
  {
    key: 'Microsoft.Insights/workbooks',
    path: 'location',
    why: "a tracked resource's envelope; the SDK's Workbook mapper leaves out what WorkbookResource inherits",
  },
  {
    key: 'Microsoft.Insights/workbooks',
    path: 'tags',
    why: "a tracked resource's envelope; the SDK's Workbook mapper leaves out what WorkbookResource inherits",
  },
];

/**
 * Resource types with no SDK model installed here, each with why that is acceptable. Their bodies
 * are still checked against the ARM envelope (below), just not deeper.
 */
export const ENVELOPE_ONLY: Readonly<Record<string, string>> = {
  'Microsoft.Resources/resourceGroups':
    'no @azure/arm-resources here; a resource group body is the envelope alone (location, tags)',
};

/** The tracked-resource envelope every ARM PUT body shares; `properties` free-form. */
export const ARM_ENVELOPE: Shape = (() => {
  const any: Shape = { kind: 'any' };
  const props = new Map(
    ['location', 'tags', 'properties', 'managedBy'].map((k) => [k, { shape: any, readOnly: false }] as const),
  );
  return { kind: 'object', props: () => props, additional: () => null };
})();

/** The model key of a declaration: `type`, or `type=name` for Web sites' config, whose model depends on it. */
export function modelKey(type: string, name: string | null): string {
  return type === 'Microsoft.Web/sites/config' ? `${type}=${name ?? '?'}` : type;
}
