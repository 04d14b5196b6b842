// Offline reading of the Bicep in infra/: no Bicep compiler can be installed on this machine, so the
// tests parse with tree-sitter-bicep (its .wasm, run by web-tree-sitter) and cross-check names.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, type Node, Parser } from 'web-tree-sitter';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

let parserReady: Promise<Parser> | undefined;

/** One parser for the whole run; loading the grammar's .wasm takes a few tens of ms. */
export function bicepParser(): Promise<Parser> {
  parserReady ??= (async () => {
    await Parser.init();
    // The grammar package ships its .wasm at the package root (no "exports" map, so resolve works).
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  })();
  return parserReady;
}

export interface SyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  line: number;
  column: number;
  text: string;
}

export interface BicepFile {
  /** Relative to the repo root, with forward slashes. */
  rel: string;
  abs: string;
  root: Node;
}

export async function parseBicep(source: string): Promise<Node> {
  const tree = (await bicepParser()).parse(source);
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree.rootNode;
}

export async function readBicepFile(abs: string): Promise<BicepFile> {
  return {
    abs,
    rel: relative(REPO_ROOT, abs).split('\\').join('/'),
    root: await parseBicep(readFileSync(abs, 'utf8')),
  };
}

export function listBicepFiles(dir = INFRA_DIR): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => join(dir, f))
    .sort();
}

/** Every ERROR and MISSING node, 1-based positions, so a failure message points at the line. */
export function syntaxProblems(root: Node): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: node.isMissing ? node.type : node.text.slice(0, 60),
      });
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(root);
  return problems;
}

/** Text of a plain string literal ('abc'); null when it interpolates or is not a string. */
export function stringValue(node: Node | null | undefined): string | null {
  if (node?.type !== 'string') return null;
  const parts = node.namedChildren.filter((c): c is Node => c !== null);
  if (parts.some((c) => c.type === 'interpolation')) return null;
  return parts.map((c) => c.text).join('');
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

/** Key of an object property: identifier or quoted string. */
function propertyKey(property: Node): string | null {
  const key = named(property)[0];
  if (!key) return null;
  return key.type === 'string' ? stringValue(key) : key.text;
}

function propertyValue(property: Node): Node | null {
  return named(property)[1] ?? null;
}

/** Property `key` of an object node, if present. */
export function objectProperty(object: Node, key: string): Node | null {
  for (const p of named(object))
    if (p.type === 'object_property' && propertyKey(p) === key) return propertyValue(p);
  return null;
}

export function objectKeys(object: Node): string[] {
  return named(object)
    .filter((p) => p.type === 'object_property')
    .map(propertyKey)
    .filter((k): k is string => k !== null);
}

/** The object literal a declaration's body is, looking through `if (...)` and `[for ...: {...}]`. */
function bodyObject(declaration: Node): Node | null {
  const body = declaration.descendantsOfType('object')[0];
  return body ?? null;
}

function topLevel(root: Node, type: string): Node[] {
  return named(root).filter((n) => n.type === type);
}

function declaredName(declaration: Node): string {
  return named(declaration).find((c) => c.type === 'identifier')?.text ?? '';
}

export interface Parameter {
  name: string;
  hasDefault: boolean;
}

export function parameters(file: BicepFile): Parameter[] {
  return topLevel(file.root, 'parameter_declaration').map((p) => {
    const children = named(p);
    // identifier, type, then the default value if any.
    return { name: declaredName(p), hasDefault: children.length > 2 };
  });
}

export function outputs(file: BicepFile): string[] {
  return topLevel(file.root, 'output_declaration').map(declaredName);
}

export function variables(file: BicepFile): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const v of topLevel(file.root, 'variable_declaration')) {
    const value = named(v)[1];
    if (value) map.set(declaredName(v), value);
  }
  return map;
}

export interface ModuleCall {
  symbol: string;
  /** Path as written: a relative .bicep path (registry modules are not used here). */
  path: string;
  params: string[];
  line: number;
}

export function moduleCalls(file: BicepFile): ModuleCall[] {
  return topLevel(file.root, 'module_declaration').map((m) => {
    const path = stringValue(named(m).find((c) => c.type === 'string')) ?? '';
    const body = bodyObject(m);
    const params = body ? objectProperty(body, 'params') : null;
    return {
      symbol: declaredName(m),
      path,
      params: params?.type === 'object' ? objectKeys(params) : [],
      line: m.startPosition.row + 1,
    };
  });
}

/** `<module>.outputs.<name>` references, including `<module>!.outputs.<name>`. */
export function moduleOutputReferences(file: BicepFile): { symbol: string; output: string; line: number }[] {
  const refs: { symbol: string; output: string; line: number }[] = [];
  for (const m of file.root.descendantsOfType('member_expression')) {
    if (!m) continue;
    const match = /^([A-Za-z_]\w*)!?\.outputs\.([A-Za-z_]\w*)$/.exec(m.text);
    if (match) refs.push({ symbol: match[1]!, output: match[2]!, line: m.startPosition.row + 1 });
  }
  return refs;
}

/** Arguments of every `loadTextContent('…')` / `loadJsonContent('…')` call, resolved against the file. */
export function loadedFiles(file: BicepFile): { abs: string; written: string; line: number }[] {
  const loads: { abs: string; written: string; line: number }[] = [];
  for (const call of file.root.descendantsOfType('call_expression')) {
    if (!call) continue;
    const fn = call.childForFieldName('function')?.text;
    if (fn !== 'loadTextContent' && fn !== 'loadJsonContent' && fn !== 'loadFileAsBase64') continue;
    const arg = call.childForFieldName('arguments')?.namedChildren[0];
    const written = stringValue(arg);
    if (written !== null)
      loads.push({ abs: resolve(dirname(file.abs), written), written, line: call.startPosition.row + 1 });
  }
  return loads;
}

/**
 * Every key an app-settings `properties:` expression can produce: object literals, `union(...)` of
 * them, variables holding them, both arms of `cond ? a : b`. Static, so it sees every branch.
 */
export function settingKeys(
  expression: Node,
  vars: Map<string, Node>,
  seen = new Set<string>(),
): Set<string> {
  const keys = new Set<string>();
  const add = (node: Node | null | undefined): void => {
    if (!node) return;
    for (const k of settingKeys(node, vars, seen)) keys.add(k);
  };
  switch (expression.type) {
    case 'object':
      for (const k of objectKeys(expression)) keys.add(k);
      break;
    case 'identifier': {
      const value = vars.get(expression.text);
      if (value && !seen.has(expression.text)) {
        seen.add(expression.text);
        add(value);
      }
      break;
    }
    case 'call_expression':
      if (expression.childForFieldName('function')?.text === 'union') {
        for (const arg of named(expression.childForFieldName('arguments')!)) add(arg);
      }
      break;
    default:
      // ternary, parenthesized expressions: look at their direct operands.
      for (const child of named(expression)) if (child.type !== 'object_property') add(child);
  }
  return keys;
}

/** The `properties` expression of the Microsoft.Web/sites `config` resource named 'appsettings'. */
export function appSettingsExpression(file: BicepFile): Node | null {
  for (const r of file.root.descendantsOfType('resource_declaration')) {
    if (!r) continue;
    const body = bodyObject(r);
    if (body && stringValue(objectProperty(body, 'name')) === 'appsettings')
      return objectProperty(body, 'properties');
  }
  return null;
}

/** Every `'azd-service-name': '<value>'` tag written in the file. */
export function azdServiceNameTags(file: BicepFile): Node[] {
  const values: Node[] = [];
  for (const p of file.root.descendantsOfType('object_property')) {
    if (p && propertyKey(p) === 'azd-service-name') {
      const v = propertyValue(p);
      if (v) values.push(v);
    }
  }
  return values;
}

export interface ResourceDeclaration {
  symbol: string;
  /** Full type, a nested child's prefixed with its parents' (`Microsoft.Web/sites/config`). */
  type: string;
  apiVersion: string;
  /** `existing` references only name a resource; they write no body. */
  existing: boolean;
  /** The body object, looking through `if (...)` and `[for ...: {...}]`. */
  body: Node | null;
  line: number;
}

/** A nested `resource x 'child' = {...}` inside a body is an object_property holding the declaration. */
export function isNestedResource(property: Node): boolean {
  return named(property)[0]?.type === 'resource_declaration';
}

/** Every resource declaration in the file, nested children included. */
export function resourceDeclarations(root: Node): ResourceDeclaration[] {
  const out: ResourceDeclaration[] = [];
  const visit = (declaration: Node, parent: { type: string; apiVersion: string } | null): void => {
    const written = stringValue(named(declaration).find((c) => c.type === 'string')) ?? '';
    const [typePart, version = ''] = written.split('@') as [string, string?];
    const type = parent && !typePart.includes('/') ? `${parent.type}/${typePart}` : typePart;
    const apiVersion = version || parent?.apiVersion || '';
    const value = named(declaration).find((c) =>
      ['object', 'if_statement', 'for_statement'].includes(c.type),
    );
    const body =
      value?.type === 'object'
        ? value
        : ((value
            ? named(value)
                .filter((c) => c.type === 'object')
                .at(-1)
            : null) ?? null);
    out.push({
      symbol: declaredName(declaration),
      type,
      apiVersion,
      existing: declaration.children.some((c) => c?.type === 'existing'),
      body,
      line: declaration.startPosition.row + 1,
    });
    for (const p of body ? named(body) : []) {
      if (p.type === 'object_property' && isNestedResource(p)) visit(named(p)[0]!, { type, apiVersion });
    }
  };
  for (const d of topLevel(root, 'resource_declaration')) visit(d, null);
  return out;
}

/** Key and value of one object_property (null key for a nested resource or a computed key). */
export function propertyEntry(property: Node): { key: string | null; value: Node | null } {
  if (isNestedResource(property)) return { key: null, value: null };
  return { key: propertyKey(property), value: propertyValue(property) };
}

/** The variables of a file by name (for following `properties: someVar`). */
export function variablesOf(root: Node): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const v of topLevel(root, 'variable_declaration')) {
    const value = named(v)[1];
    if (value) map.set(declaredName(v), value);
  }
  return map;
}

export { named as namedChildren };
