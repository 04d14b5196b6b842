// Checks a Bicep resource body against the wire shape of its resource type (arm-model-shapes.ts):
// every property name must exist at its level, objects must sit where the model has objects,
// arrays where it has arrays. Values that are expressions (parameters, function calls, references)
// are opaque here: only literals, and the variables, ternaries, unions and for-bodies that lead to
// literals, are followed.
import type { Node } from 'web-tree-sitter';
import type { Property, Shape } from './arm-model-shapes.js';
import { namedChildren, propertyEntry } from './bicep-source.js';

/** Bicep's own keys in a resource body, not part of the ARM model. */
const BICEP_KEYWORDS = new Set(['name', 'parent', 'scope', 'dependsOn']);

export interface ModelProblem {
  /** Dotted path of the offending property, e.g. `properties.siteConfig.linuxFxVerison`. */
  path: string;
  line: number;
  message: string;
}

export function checkResourceBody(body: Node, shape: Shape, vars: Map<string, Node>): ModelProblem[] {
  const problems: ModelProblem[] = [];
  checkObject(body, shape, '', vars, problems, new Set(), true);
  return problems;
}

function checkObject(
  object: Node,
  shape: Shape,
  path: string,
  vars: Map<string, Node>,
  problems: ModelProblem[],
  seen: Set<string>,
  top = false,
): void {
  if (shape.kind === 'any') return;
  if (shape.kind !== 'object') {
    problems.push({
      path: path || '(body)',
      line: line(object),
      message: `is an object, but the model has ${describe(shape)} here`,
    });
    return;
  }
  for (const p of namedChildren(object)) {
    if (p.type !== 'object_property') continue;
    const { key, value } = propertyEntry(p);
    if (key === null) continue; // a nested child resource, checked on its own
    if (top && BICEP_KEYWORDS.has(key)) continue;
    const at = path ? `${path}.${key}` : key;
    const props = shape.props();
    const known: Property | undefined = props.get(key);
    const additional = shape.additional();
    if (!known && !additional) {
      problems.push({ path: at, line: line(p), message: unknownMessage(key, props) });
      continue;
    }
    if (known?.readOnly) {
      problems.push({
        path: at,
        line: line(p),
        message: 'is read-only in the model: ARM ignores or rejects it',
      });
      continue;
    }
    if (value) checkValue(value, known ? known.shape : additional!, at, vars, problems, seen);
  }
}

function checkValue(
  value: Node,
  shape: Shape,
  path: string,
  vars: Map<string, Node>,
  problems: ModelProblem[],
  seen: Set<string>,
): void {
  switch (value.type) {
    case 'object':
      checkObject(value, shape, path, vars, problems, seen);
      return;
    case 'array':
      if (shape.kind === 'any') return;
      if (shape.kind !== 'array') {
        problems.push({
          path,
          line: line(value),
          message: `is an array, but the model has ${describe(shape)} here`,
        });
        return;
      }
      for (const item of namedChildren(value))
        checkValue(item, shape.items, `${path}[]`, vars, problems, seen);
      return;
    case 'for_statement': {
      // `[for x in xs: body]`: the body is one element.
      if (shape.kind === 'any') return;
      if (shape.kind !== 'array') {
        problems.push({
          path,
          line: line(value),
          message: `is an array, but the model has ${describe(shape)} here`,
        });
        return;
      }
      const body = namedChildren(value).at(-1);
      if (body) checkValue(body, shape.items, `${path}[]`, vars, problems, seen);
      return;
    }
    case 'ternary_expression': {
      const [, whenTrue, whenFalse] = namedChildren(value);
      for (const arm of [whenTrue, whenFalse]) if (arm) checkValue(arm, shape, path, vars, problems, seen);
      return;
    }
    case 'parenthesized_expression': {
      const inner = namedChildren(value)[0];
      if (inner) checkValue(inner, shape, path, vars, problems, seen);
      return;
    }
    case 'call_expression': {
      // union(a, b, …): each argument is part of the same object.
      if (value.childForFieldName('function')?.text !== 'union') return;
      const args = value.childForFieldName('arguments');
      for (const arg of args ? namedChildren(args) : []) checkValue(arg, shape, path, vars, problems, seen);
      return;
    }
    case 'identifier': {
      const target = vars.get(value.text);
      if (!target || seen.has(value.text)) return; // a parameter or a resource: opaque
      seen.add(value.text);
      checkValue(target, shape, path, vars, problems, seen);
      seen.delete(value.text);
      return;
    }
    default:
      return; // strings, numbers, references, other calls: values, not structure
  }
}

function describe(shape: Shape): string {
  switch (shape.kind) {
    case 'scalar':
      return `a ${shape.type}`;
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a free-form value';
  }
}

function unknownMessage(key: string, props: ReadonlyMap<string, Property>): string {
  const names = [...props.keys()];
  const sameLetters = names.find((n) => n.toLowerCase() === key.toLowerCase());
  const near = sameLetters ?? nearest(key, names);
  return `is not a property of this model${near ? ` (did you mean '${near}'?)` : ''}`;
}

/** The closest name by edit distance, if it is close (≤ a third of the length). */
function nearest(key: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(key.toLowerCase(), n.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length]!;
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}
