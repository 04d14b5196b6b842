import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENVIRONMENT } from '../../../shared/domain/environment-name.js';
import { ALL_TELEMETRY_NAMES } from '../../../shared/telemetry/names.js';
import {
  checkKql,
  expandWorkbookParameters,
  formatSelection,
  kqlFiles,
  unknownNames,
  workbookParameterNames,
} from '../../support/kql-validator.js';

const KQL_DIR = new URL('../../../infra/kql/', import.meta.url).pathname;
const WORKBOOK = new URL('../../../infra/workbook/tunnelwatch.workbook.json', import.meta.url);
const BICEP = new URL('../../../infra/workbook/workbook.bicep', import.meta.url);

interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string; title?: string; visualization?: string; resourceType?: string };
}
interface WorkbookParameter {
  name: string;
  type: number;
  query?: string;
  multiSelect?: boolean;
  quote?: string;
  delimiter?: string;
  defaultValue?: string;
  isRequired?: boolean;
  typeSettings?: { additionalResourceOptions?: string[] };
}
const workbook = JSON.parse(readFileSync(WORKBOOK, 'utf8')) as { version: string; items: WorkbookItem[] };
const queryItems = workbook.items.filter((i) => i.type === 3);
const parameters = workbook.items
  .filter((i) => i.type === 9)
  .flatMap((i) => (i.content as { parameters?: WorkbookParameter[] }).parameters ?? []);
const environment = parameters.find((p) => p.name === 'Environment');
const files = kqlFiles(KQL_DIR, /^workbook-/);
const ENVIRONMENTS_QUERY = 'workbook-environments.kql';

/** A query as the workbook runs it with two environments picked in its own dropdown's format. */
function asRun(query: string): string {
  const selection = formatSelection(
    [DEFAULT_ENVIRONMENT, 'prod'],
    environment?.quote,
    environment?.delimiter,
  );
  return expandWorkbookParameters(query, { Environment: selection });
}

describe('Azure Monitor workbook', () => {
  // The Kusto language service takes a while to load the first time (seconds on a loaded machine).
  beforeAll(() => void checkKql('print 1'), 60_000);

  it('is a workbook template whose every query is one of infra/kql/workbook-*.kql, verbatim', () => {
    expect(workbook.version).toBe('Notebook/1.0');
    expect(queryItems.length).toBeGreaterThanOrEqual(5);
    const byText = new Map(files.map((f) => [f.text, f.file]));
    for (const item of queryItems) {
      expect(byText.has(item.content.query!), `${item.name}: query differs from every workbook-*.kql`).toBe(
        true,
      );
      expect(byText.get(item.content.query!)).toBe(`${item.name.replace(/-(rtt|loss)$/, '')}.kql`);
      expect(item.content.resourceType).toBe('microsoft.operationalinsights/workspaces');
    }
  });

  it('uses every workbook-*.kql file, and covers the matrix, RTT and loss, open alerts, sweep duration and heartbeat', () => {
    const used = new Set([...queryItems.map((i) => i.content.query), environment?.query]);
    expect(files.filter((f) => !used.has(f.text)).map((f) => f.file)).toEqual([]);
    expect(files.map((f) => f.file)).toEqual([
      'workbook-environments.kql',
      'workbook-heartbeat.kql',
      'workbook-open-alerts.kql',
      'workbook-path-matrix.kql',
      'workbook-path-rtt-loss.kql',
      'workbook-sweep-health.kql',
    ]);
  });

  it('has an Environment dropdown of the environments that send heartbeats (workbook-environments.kql), all selected by default', () => {
    expect(environment, 'a parameter named Environment').toBeDefined();
    expect(environment?.type).toBe(2);
    expect(environment?.query).toBe(files.find((f) => f.file === ENVIRONMENTS_QUERY)?.text);
    expect(environment?.query).toContain('"tunnelwatch.heartbeat"');
    expect(environment?.isRequired).toBe(true);
    expect(environment?.multiSelect).toBe(true);
    expect(environment?.typeSettings?.additionalResourceOptions).toContain('value::all');
    expect(environment?.defaultValue).toBe('value::all');
  });

  it('filters every query on the Environment parameter, and refers to no parameter the workbook lacks', () => {
    const defined = new Set(parameters.map((p) => p.name));
    for (const item of queryItems) {
      const query = item.content.query!;
      expect(query, `${item.name} filters by environment`).toMatch(/\benvironment in \(\{Environment\}\)/);
      expect(
        workbookParameterNames(query).filter((name) => !defined.has(name)),
        item.name,
      ).toEqual([]);
    }
    // The dropdown is filled before any environment is picked.
    expect(workbookParameterNames(environment?.query ?? '')).toEqual([]);
  });

  it.each(files.map((f) => [f.file, f.text]))(
    '%s parses against the workspace schema and names only emitted telemetry',
    (_file, text) => {
      const check = checkKql(asRun(text));
      expect(check.diagnostics).toEqual([]);
      expect(unknownNames(check.stringLiterals, ALL_TELEMETRY_NAMES)).toEqual([]);
      expect(check.stringLiterals.some((l) => l.startsWith('tunnelwatch.'))).toBe(true);
    },
  );

  it('would catch a query naming a metric the code does not emit, or a column the schema lacks', () => {
    const check = checkKql('AppMetrics | where Name == "tunnelwatch.path.rtt_ms" | project Nonexistent');
    expect(unknownNames(check.stringLiterals, ALL_TELEMETRY_NAMES)).toEqual(['tunnelwatch.path.rtt_ms']);
    expect(check.diagnostics.length).toBeGreaterThan(0);
  });

  it('is deployed by workbook.bicep from this very file', () => {
    const bicep = readFileSync(BICEP, 'utf8');
    expect(bicep).toContain("serializedData: loadTextContent('tunnelwatch.workbook.json')");
    expect(bicep).toContain("resource workbook 'Microsoft.Insights/workbooks@");
  });
});
