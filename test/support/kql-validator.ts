import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Offline KQL checks with @kusto/language-service-next: parse and semantic analysis against the
 * Log Analytics schema of workspace-based Application Insights (AppMetrics, AppEvents, AppTraces),
 * which is where the Azure Monitor exporter's metrics, custom events and logs land.
 */

/** Columns used by tunnelwatch queries plus the common ones; types as in the Azure Monitor reference. */
const COMMON =
  'TenantId:string, TimeGenerated:datetime, AppRoleName:string, AppRoleInstance:string, AppVersion:string, ClientType:string, ClientIP:string, SDKVersion:string, OperationId:string, OperationName:string, ParentId:string, SyntheticSource:string, IKey:string, ResourceGUID:string, SourceSystem:string, Type:string, _ResourceId:string, Properties:dynamic';
export const APP_INSIGHTS_WORKSPACE_TABLES: Record<string, string> = {
  AppMetrics: `(${COMMON}, Name:string, Sum:real, Min:real, Max:real, ItemCount:int)`,
  AppEvents: `(${COMMON}, Name:string, Measurements:dynamic, ItemCount:int, SessionId:string, UserId:string, UserAuthenticatedId:string)`,
  AppTraces: `(${COMMON}, Message:string, SeverityLevel:int, Measurements:dynamic, ItemCount:int)`,
};

export interface KqlDiagnostic {
  severity: string;
  message: string;
  line: number;
  column: number;
}

export interface KqlCheck {
  diagnostics: KqlDiagnostic[];
  /** Every string literal's value, comments excluded. */
  stringLiterals: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: the bridge is untyped globals
type KustoGlobal = any;
let kusto: KustoGlobal | null = null;
const globalsByTables = new Map<string, KustoGlobal>();

function language(): KustoGlobal {
  if (!kusto) {
    // The package sets globals instead of exporting (see tooling notes).
    const require = createRequire(import.meta.url);
    require('@kusto/language-service-next/bridge.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.js');
    kusto = (globalThis as { Kusto?: KustoGlobal }).Kusto?.Language;
    if (!kusto) throw new Error('@kusto/language-service-next did not load');
  }
  return kusto;
}

function globalsFor(tables: Record<string, string>): KustoGlobal {
  const key = JSON.stringify(tables);
  const cached = globalsByTables.get(key);
  if (cached) return cached;
  const K = language();
  const symbols = Object.entries(tables).map(
    ([name, schema]) => new K.Symbols.TableSymbol.$ctor7(name, schema, null),
  );
  const globals = K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.ctor('workspace', symbols));
  globalsByTables.set(key, globals);
  return globals;
}

function unquote(token: string): string {
  const verbatim = token.startsWith('@');
  const body = (verbatim ? token.slice(1) : token).slice(1, -1);
  if (verbatim) return body;
  return body.replace(/\\(["'\\nt])/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
}

export function checkKql(
  query: string,
  tables: Record<string, string> = APP_INSIGHTS_WORKSPACE_TABLES,
): KqlCheck {
  const K = language();
  const code = K.KustoCode.ParseAndAnalyze(query, globalsFor(tables));
  const lineStarts = [0];
  for (let i = 0; i < query.length; i++) if (query[i] === '\n') lineStarts.push(i + 1);
  const position = (offset: number) => {
    let line = 0;
    while (line + 1 < lineStarts.length && lineStarts[line + 1]! <= offset) line++;
    return { line: line + 1, column: offset - lineStarts[line]! + 1 };
  };
  const raw = code.GetDiagnostics();
  const diagnostics: KqlDiagnostic[] = [];
  for (let i = 0; i < raw.Count; i++) {
    const d = raw.getItem(i);
    diagnostics.push({ severity: String(d.Severity), message: String(d.Message), ...position(d.Start) });
  }
  const stringToken = K.Syntax.SyntaxKind.StringLiteralToken;
  const stringLiterals = (code.GetLexicalTokens() as Array<{ Kind: number; Text: string }>)
    .filter((t) => t.Kind === stringToken)
    .map((t) => unquote(t.Text));
  return { diagnostics, stringLiterals };
}

/** Literals in a telemetry namespace (e.g. "tunnelwatch.") that the code does not emit. */
export function unknownNames(
  literals: readonly string[],
  known: ReadonlySet<string>,
  prefix = 'tunnelwatch.',
): string[] {
  return [...new Set(literals.filter((l) => l.startsWith(prefix) && !known.has(l)))];
}

/** Every `.kql` file in a folder whose name matches, e.g. /^workbook-/, with its text. */
export function kqlFiles(dir: string, name: RegExp = /./): Array<{ file: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.kql') && name.test(f))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

/** A workbook parameter reference: `{Name}` or `{Name:format}` (Azure Workbooks syntax). */
const WORKBOOK_PARAMETER = /\{([A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z]+)?\}/g;

/** The names of the workbook parameters a query refers to, in order of first use. */
export function workbookParameterNames(query: string): string[] {
  return [...new Set([...query.matchAll(WORKBOOK_PARAMETER)].map((m) => m[1]!))];
}

/**
 * A workbook query as Azure Workbooks runs it: every `{Name}` replaced by that parameter's formatted
 * value, so it can be parsed like any KQL. A reference to a parameter not given throws: a misspelt
 * name would otherwise reach Log Analytics as a syntax error only in the portal.
 */
export function expandWorkbookParameters(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(WORKBOOK_PARAMETER, (reference, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${reference}: no workbook parameter named ${name}`);
    return value;
  });
}

/** How a multi-select dropdown formats its selection into a query: each value quoted, then joined. */
export function formatSelection(values: readonly string[], quote = "'", delimiter = ','): string {
  return values.map((v) => `${quote}${v}${quote}`).join(delimiter);
}
