import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_TELEMETRY_NAMES } from '../../../shared/telemetry/names.js';
import { checkKql, kqlFiles, unknownNames } from '../../support/kql-validator.js';

const KQL_DIR = new URL('../../../infra/kql/', import.meta.url).pathname;
const WORKBOOK = new URL('../../../infra/workbook/tunnelwatch.workbook.json', import.meta.url);
const BICEP = new URL('../../../infra/workbook/workbook.bicep', import.meta.url);

interface WorkbookItem {
  type: number;
  name: string;
  content: { query?: string; title?: string; visualization?: string; resourceType?: string };
}
const workbook = JSON.parse(readFileSync(WORKBOOK, 'utf8')) as { version: string; items: WorkbookItem[] };
const queryItems = workbook.items.filter((i) => i.type === 3);
const files = kqlFiles(KQL_DIR, /^workbook-/);

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
    const used = new Set(queryItems.map((i) => i.content.query));
    expect(files.filter((f) => !used.has(f.text)).map((f) => f.file)).toEqual([]);
    expect(files.map((f) => f.file)).toEqual([
      'workbook-heartbeat.kql',
      'workbook-open-alerts.kql',
      'workbook-path-matrix.kql',
      'workbook-path-rtt-loss.kql',
      'workbook-sweep-health.kql',
    ]);
  });

  it.each(files.map((f) => [f.file, f.text]))(
    '%s parses against the workspace schema and names only emitted telemetry',
    (_file, text) => {
      const check = checkKql(text);
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
