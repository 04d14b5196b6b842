import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CAUSES } from '../../shared/domain/cause.js';
import { DEFAULT_ENVIRONMENT } from '../../shared/domain/environment-name.js';
import { PROBE_KINDS } from '../../shared/domain/probe-kind.js';
import { STATES } from '../../shared/domain/sweep-report.js';
import {
  ALERT_RULES,
  ALL_DESTINATIONS,
  ALL_ENVIRONMENTS,
  ALL_TELEMETRY_NAMES,
  METRICS,
} from '../../shared/telemetry/names.js';
import {
  checkKql,
  expandWorkbookParameters,
  formatSelection,
  kqlFiles,
  unknownNames,
} from '../support/kql-validator.js';

const KQL_DIR = fileURLToPath(new URL('../../infra/kql/', import.meta.url));
// Workbook queries filter on the workbook's Environment dropdown; they are checked as the workbook
// runs them with the default environment selected (test/unit/infra/workbook.test.ts checks the rest).
const files = kqlFiles(KQL_DIR).map((f) => ({
  file: f.file,
  text: expandWorkbookParameters(f.text, { Environment: formatSelection([DEFAULT_ENVIRONMENT]) }),
}));

describe('KQL in infra/kql', () => {
  it('has a file for every alert rule the code names', () => {
    const names = files.map((f) => f.file);
    for (const rule of Object.values(ALERT_RULES)) expect(names).toContain(`${rule}.kql`);
  });

  it.each(files.map((f) => [f.file, f.text] as const))(
    '%s parses and resolves against the App Insights workspace schema',
    (_file, text) => {
      expect(checkKql(text).diagnostics).toEqual([]);
    },
  );

  it.each(files.map((f) => [f.file, f.text] as const))(
    '%s mentions only telemetry names, probes and causes the code emits',
    (_file, text) => {
      const { stringLiterals } = checkKql(text);
      expect(unknownNames(stringLiterals, ALL_TELEMETRY_NAMES)).toEqual([]);
      expect(stringLiterals.some((l) => l.startsWith('tunnelwatch.'))).toBe(true);
      // Dimension values compared in queries must be real values too.
      const values = new Set<string>([
        ...PROBE_KINDS,
        ...CAUSES,
        ...STATES,
        ALL_DESTINATIONS,
        ALL_ENVIRONMENTS,
        DEFAULT_ENVIRONMENT,
      ]);
      const comparedValues = stringLiterals.filter(
        (l) => !l.startsWith('tunnelwatch.') && /^[a-z0-9*][a-z0-9-]*$/.test(l),
      );
      expect(
        comparedValues.filter((v) => !values.has(v) && !['open', 'resolved', 'opened', '/'].includes(v)),
      ).toEqual([]);
    },
  );
});

describe('the validator itself', () => {
  it('expands workbook parameters as the workbook formats them, and refuses one it does not know', () => {
    const query = 'AppMetrics | where tostring(Properties["tunnelwatch.environment"]) in ({Environment})';
    const expanded = expandWorkbookParameters(query, { Environment: formatSelection(['default', 'prod']) });
    expect(expanded).toContain("in ('default','prod')");
    expect(checkKql(expanded).diagnostics).toEqual([]);
    expect(checkKql(query).diagnostics.length).toBeGreaterThan(0);
    const misspelt = query.replace('{Environment}', '{Enviroment}');
    expect(() => expandWorkbookParameters(misspelt, { Environment: "'default'" })).toThrow(/Enviroment/);
  });

  it('reports a syntax error, an unknown column and an unknown table with positions', () => {
    const { diagnostics } = checkKql('AppMetrics\n| where Nmae == "x"\n| summarize by');
    expect(diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(diagnostics.some((d) => d.line === 2 && /Nmae/.test(d.message))).toBe(true);
    expect(checkKql('customMetricz | take 1').diagnostics[0]?.message).toMatch(/customMetricz/);
  });

  it('finds string literals (not comments) and flags names the code does not emit', () => {
    const { stringLiterals } = checkKql(
      `// "tunnelwatch.in.comment"\nAppMetrics | where Name == "tunnelwatch.path.rt" or Name == '${METRICS.pathRtt.name}'`,
    );
    expect(stringLiterals).toEqual(['tunnelwatch.path.rt', METRICS.pathRtt.name]);
    expect(unknownNames(stringLiterals, ALL_TELEMETRY_NAMES)).toEqual(['tunnelwatch.path.rt']);
  });
});
