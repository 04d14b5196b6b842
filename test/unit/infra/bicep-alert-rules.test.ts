import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from 'web-tree-sitter';
import { ALERT_RULES } from '../../../shared/telemetry/names.js';
import {
  type BicepFile,
  INFRA_DIR,
  loadedFiles,
  moduleCalls,
  objectProperty,
  readBicepFile,
  stringValue,
  variables,
} from './bicep-source.js';

const KQL_DIR = join(INFRA_DIR, 'kql');

interface RuleDefinition {
  key: string;
  kqlFile: string;
  evaluationFrequency: string | null;
  windowSize: string | null;
  dimensions: string[];
}

/** What a query file's header says its rule must be (written with the query, by the telemetry work). */
interface RuleHeader {
  scope: 'workspace' | 'application-insights' | null;
  evaluationFrequency: string | null;
  windowSize: string | null;
  dimensions: string[];
}

function readHeader(kql: string): RuleHeader {
  const header = kql
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .join('\n');
  const scope = /scope:\s*([^|\n]+)/.exec(header)?.[1] ?? '';
  return {
    scope: /workspace/i.test(scope)
      ? 'workspace'
      : /application insights/i.test(scope)
        ? 'application-insights'
        : null,
    evaluationFrequency: /evaluationFrequency:[^|\n]*?(PT\d+[MH])/.exec(header)?.[1] ?? null,
    windowSize: /windowSize:[^|\n]*?(PT\d+[MH]|P\d+D)/.exec(header)?.[1] ?? null,
    dimensions: (/dimensions:\s*([^|\n]+)/.exec(header)?.[1] ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== ''),
  };
}

let alertRules: BicepFile;
let main: BicepFile;
let rules: RuleDefinition[];

/** A literal, or a param of the same file whose default is a literal. */
function literal(node: Node | null, file: BicepFile): string | null {
  if (!node) return null;
  if (node.type === 'string') return stringValue(node);
  if (node.type !== 'identifier') return null;
  for (const p of file.root.namedChildren) {
    if (p?.type === 'parameter_declaration' && p.namedChildren[0]?.text === node.text) {
      return stringValue(p.namedChildren[2]);
    }
  }
  return null;
}

function ruleFrom(object: Node, file: BicepFile): RuleDefinition {
  const query = objectProperty(object, 'query');
  const load = query ? loadedFiles({ ...file, root: query }) : [];
  const dims = objectProperty(object, 'dimensions');
  return {
    key: stringValue(objectProperty(object, 'key')) ?? '',
    kqlFile: load[0]?.abs ?? '',
    evaluationFrequency: literal(objectProperty(object, 'evaluationFrequency'), file),
    windowSize: literal(objectProperty(object, 'windowSize'), file),
    dimensions: (dims?.namedChildren ?? []).map((d) => stringValue(d) ?? '?'),
  };
}

beforeAll(async () => {
  alertRules = await readBicepFile(join(INFRA_DIR, 'app/alert-rules.bicep'));
  main = await readBicepFile(join(INFRA_DIR, 'main.bicep'));
  const list = variables(alertRules).get('rules');
  if (list?.type !== 'array') throw new Error(`${alertRules.rel}: expected 'var rules = [ ... ]'`);
  rules = list.namedChildren
    .filter((n): n is Node => n?.type === 'object')
    .map((o) => ruleFrom(o, alertRules));
});

describe('alert rules vs. the telemetry names and the KQL files', () => {
  it('has one rule per alert query the telemetry defines (shared/telemetry/names.ts ALERT_RULES)', () => {
    const loaded = rules.map((r) => basename(r.kqlFile, '.kql')).sort();
    expect(loaded).toEqual(Object.values(ALERT_RULES).sort());
  });

  it('each rule query file exists in infra/kql (owned with the telemetry code)', () => {
    const missing = rules.filter((r) => !existsSync(r.kqlFile)).map((r) => `${r.key}: ${r.kqlFile}`);
    expect(missing, 'the telemetry work writes these; the Bicep loads them with loadTextContent').toEqual([]);
  });

  it('every query in infra/kql that declares itself an alert rule is deployed as one', () => {
    const declared = existsSync(KQL_DIR)
      ? readdirSync(KQL_DIR).filter(
          (f) => f.endsWith('.kql') && /^\/\/ Alert rule "/.test(readFileSync(join(KQL_DIR, f), 'utf8')),
        )
      : [];
    const used = new Set(rules.map((r) => basename(r.kqlFile)));
    expect(declared.filter((f) => !used.has(f))).toEqual([]);
  });

  it('each rule has the frequency, window and dimensions its query header asks for', () => {
    const problems: string[] = [];
    for (const rule of rules.filter((r) => existsSync(r.kqlFile))) {
      const name = basename(rule.kqlFile);
      const header = readHeader(readFileSync(rule.kqlFile, 'utf8'));
      if (header.evaluationFrequency !== rule.evaluationFrequency) {
        problems.push(
          `${name}: header evaluationFrequency ${header.evaluationFrequency}, Bicep ${rule.evaluationFrequency}`,
        );
      }
      if (header.windowSize !== rule.windowSize) {
        problems.push(`${name}: header windowSize ${header.windowSize}, Bicep ${rule.windowSize}`);
      }
      if (header.dimensions.join(',') !== rule.dimensions.join(',')) {
        problems.push(`${name}: header dimensions [${header.dimensions}], Bicep [${rule.dimensions}]`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('splits path alerts by environment, source and destination host, so each broken path is its own alert', () => {
    // The same host names may exist in two environments: without the environment, their paths would merge.
    for (const key of ['path-down', 'sustained-loss']) {
      expect(rules.find((r) => r.key === key)?.dimensions.slice(0, 3), key).toEqual([
        'environment',
        'source',
        'destination',
      ]);
    }
    expect(rules.find((r) => r.key === 'path-down')?.dimensions).toContain('cause');
  });

  it('splits the dead-man rule by environment, so one silent environment pages while others sweep', () => {
    expect(rules.find((r) => r.key === 'heartbeat-missing')?.dimensions).toEqual(['environment']);
  });

  it('keeps every rule window within what Azure allows (at most two days)', () => {
    const minutes = (iso: string | null) => {
      const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso ?? '');
      return m ? Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : Number.NaN;
    };
    for (const rule of rules) {
      expect(minutes(rule.windowSize), `${rule.key}: ${rule.windowSize}`).toBeLessThanOrEqual(2 * 1440);
      expect(minutes(rule.windowSize), rule.key).toBeGreaterThanOrEqual(minutes(rule.evaluationFrequency));
    }
  });

  it('each query produces the columns its rule splits by, from tables of the scope main.bicep wires in', () => {
    const scopeParam = moduleCalls(main).find((m) => m.symbol === 'alertRules')?.params ?? [];
    const scope = scopeParam.includes('workspaceResourceId') ? 'workspace' : 'application-insights';
    const problems: string[] = [];
    for (const rule of rules.filter((r) => existsSync(r.kqlFile))) {
      const name = basename(rule.kqlFile);
      const text = readFileSync(rule.kqlFile, 'utf8');
      const kql = text.replace(/\/\/.*$/gm, '');
      const header = readHeader(text);
      if (header.scope !== scope)
        problems.push(`${name}: header scope ${header.scope}, rules deployed on ${scope}`);
      for (const d of rule.dimensions) {
        // A summarize ... by <col>, or a project/extend that names it.
        if (!new RegExp(`\\b${d}\\b`).test(kql)) problems.push(`${name} never produces column ${d}`);
      }
      // Workspace and Application Insights name the same tables differently; one scope sees only its own.
      const wrong =
        scope === 'workspace'
          ? /\b(customMetrics|customEvents|traces|requests|dependencies)\b/.exec(kql)
          : /\b(AppMetrics|AppEvents|AppTraces|AppRequests|AppDependencies)\b/.exec(kql);
      if (wrong) problems.push(`${name} queries ${wrong[1]}, which the ${scope} scope does not have`);
    }
    expect(problems).toEqual([]);
  });
});
