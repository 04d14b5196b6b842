import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SWEEP_SCHEDULE } from '../../../shared/config/app-settings.js';
import { DEFAULT_SWEEP } from '../../../shared/config/config-schema.js';
import {
  azdServiceNameTags,
  type BicepFile,
  INFRA_DIR,
  moduleCalls,
  outputs,
  parameters,
  REPO_ROOT,
  readBicepFile,
  stringValue,
  variables,
} from './bicep-source.js';

interface AzureYaml {
  name: string;
  infra?: { provider?: string; path?: string; module?: string };
  services: Record<
    string,
    { project: string; language: string; host: string; dist?: string; remoteBuild?: boolean }
  >;
}

const readJson = (rel: string): unknown => JSON.parse(readFileSync(join(REPO_ROOT, rel), 'utf8'));

let main: BicepFile;
let sweeper: BicepFile;
let azure: AzureYaml;

beforeAll(async () => {
  main = await readBicepFile(join(INFRA_DIR, 'main.bicep'));
  sweeper = await readBicepFile(join(INFRA_DIR, 'app/sweeper.bicep'));
  azure = parseYaml(readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8')) as AzureYaml;
});

describe('azure.yaml and the Bicep agree', () => {
  it('deploys one TypeScript function service from the project root', () => {
    // The package `npm run package` writes (scripts/function-app-package.ts), deployed as built.
    expect(Object.values(azure.services)).toEqual([
      { project: '.', language: 'ts', host: 'function', dist: 'dist/package', remoteBuild: false },
    ]);
    expect(azure.infra).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
  });

  it('tags the Function App with the azd service name', () => {
    const [serviceName] = Object.keys(azure.services);
    expect(stringValue(variables(main).get('serviceName'))).toBe(serviceName);
    expect(moduleCalls(main).find((m) => m.symbol === 'sweeper')?.params).toContain('serviceName');
    expect(azdServiceNameTags(sweeper).map((n) => n.text)).toEqual(['serviceName']);
  });

  it('tags every resource group resource with azd-env-name', () => {
    expect(variables(main).get('tags')?.text).toContain("'azd-env-name': environmentName");
  });

  it('main.parameters.json names only main.bicep params and covers the required ones', () => {
    const given = Object.keys((readJson('infra/main.parameters.json') as { parameters: object }).parameters);
    const declared = parameters(main);
    expect(given.filter((g) => !declared.some((p) => p.name === g))).toEqual([]);
    expect(declared.filter((p) => !p.hasDefault && !given.includes(p.name)).map((p) => p.name)).toEqual([]);
  });

  it('the default schedule is the one the code defaults to', () => {
    const text = readFileSync(main.abs, 'utf8');
    expect(text).toContain(`param sweepSchedule string = '${DEFAULT_SWEEP_SCHEDULE}'`);
  });

  it('every deployment output docs/deploy.md mentions exists', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/deploy.md'), 'utf8');
    const azdOwn = new Set([
      'AZURE_ENV_NAME',
      'AZURE_SUBSCRIPTION_ID',
      'AZURE_PRINCIPAL_ID',
      'AZURE_PRINCIPAL_TYPE',
      'AZURE_CLIENT_ID',
    ]);
    const mentioned = new Set(
      [...doc.matchAll(/\b(AZURE_[A-Z_]+)\b/g)].map((m) => m[1]!).filter((n) => !azdOwn.has(n)),
    );
    const declared = new Set(outputs(main));
    expect([...mentioned].filter((n) => !declared.has(n))).toEqual([]);
    expect(mentioned.size).toBeGreaterThan(3);
  });
});

describe('host.json', () => {
  const host = readJson('host.json') as {
    version: string;
    functionTimeout: string;
    telemetryMode: string;
    extensionBundle: { id: string; version: string };
    logging: { logLevel: Record<string, string> };
  };

  /** Whether the host's extensionBundle range (NuGet interval notation, e.g. "[4.*, 5.0.0)") admits a bundle version. */
  const admits = (range: string, version: string) => {
    const m = /^([[(])\s*([\d.*]+)\s*,\s*([\d.*]+)\s*([\])])$/.exec(range);
    if (!m) throw new Error(`unreadable bundle range ${range}`);
    const num = (v: string) => v.split('.').map((p) => (p === '*' ? 0 : Number(p)));
    const cmp = (a: number[], b: number[]) => {
      for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
      return 0;
    };
    const v = num(version);
    const lo = cmp(v, num(m[2]!));
    const hi = cmp(v, num(m[3]!));
    return (m[1] === '[' ? lo >= 0 : lo > 0) && (m[4] === ']' ? hi <= 0 : hi < 0);
  };

  it('loads a 4.x extension bundle (the one the Node v4 programming model needs), never 3.x or 5.x', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    for (const v of ['4.0.0', '4.26.1']) expect(admits(host.extensionBundle.version, v), v).toBe(true);
    for (const v of ['3.99.0', '5.0.0']) expect(admits(host.extensionBundle.version, v), v).toBe(false);
  });

  it('runs the host in OpenTelemetry mode, as the app exports with @azure/monitor-opentelemetry', () => {
    const exporter = readFileSync(join(REPO_ROOT, 'shared/telemetry/azure-monitor.ts'), 'utf8');
    expect(exporter).toMatch(/from '@azure\/monitor-opentelemetry'/);
    expect(host.telemetryMode).toBe('OpenTelemetry');
  });

  it('lets through the user logs of functions the app registers, and only those', () => {
    const registered = ['sweep-timer.ts', 'sweep-queue.ts', 'matrix.ts', 'report.ts'].flatMap((file) =>
      [
        ...readFileSync(join(REPO_ROOT, 'functions', file), 'utf8').matchAll(
          /app\.(?:timer|http|storageQueue)\('([a-z-]+)'/g,
        ),
      ].map((m) => m[1]!),
    );
    const userCategories = Object.keys(host.logging.logLevel)
      .map((category) => /^Function\.([^.]+)\.User$/.exec(category)?.[1])
      .filter((name): name is string => name !== undefined);
    expect(userCategories.length).toBeGreaterThan(0);
    for (const name of userCategories) expect(registered).toContain(name);
    // The sweep's own log lines (progress, pipeline problems) must reach Application Insights.
    expect(host.logging.logLevel['Function.sweep.User']).toMatch(/^(Information|Debug|Trace)$/);
    expect(host.logging.logLevel['Function.sweep-environment.User']).toMatch(/^(Information|Debug|Trace)$/);
  });

  it('times out well after the default sweep deadline (cold start, telemetry flush, alert state)', () => {
    const [h, m, s] = host.functionTimeout.split(':').map(Number) as [number, number, number];
    const timeoutMs = ((h * 60 + m) * 60 + s) * 1000;
    expect(timeoutMs).toBeGreaterThanOrEqual(DEFAULT_SWEEP.deadlineMs + 60_000);
    // Longer than a 1-minute schedule would only queue runs behind a hung one.
    expect(timeoutMs).toBeLessThanOrEqual(5 * 60_000);
  });

  it('keeps host chatter out of the telemetry bill', () => {
    expect(host.logging.logLevel.default).toBe('Warning');
  });
});
