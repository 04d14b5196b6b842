import { dirname, relative, resolve } from 'node:path';

// A tiny walker over TypeScript import statements, enough for checking the layering: static
// imports and re-exports (type-only ones too: they shape the design as much), side-effect imports
// and literal dynamic imports.
const SPECIFIER =
  /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module `file` (a path from `root`) imports: package names as written, project files as paths from the root. */
export function importsOf(root: string, file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    found.push(
      spec.startsWith('.')
        ? relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts')
        : spec,
    );
  }
  return found;
}

/** The first import cycle found among `graph`'s files, as the list of files around it; null if none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null;
    if (state.get(file) === 'visiting') return [...stack.slice(stack.indexOf(file)), file];
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(file, 'done');
    return null;
  };
  for (const file of graph.keys()) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return null;
}
