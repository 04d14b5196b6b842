import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layering the code depends on, checked on the sources themselves: a tiny walker over the
// import statements of every .ts file under shared/ and functions/.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER =
  /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every module a file imports: package names as written, project files as paths from the root. */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    found.push(
      spec.startsWith('.')
        ? relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, '.ts')
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

const files = [...sources('shared'), ...sources('functions')];
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(join(ROOT, f), 'utf8'))]));

describe('the shape of the code', () => {
  it('reads the imports it checks (the walker sees both kinds of edge)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(graph.get('shared/sweep/run-sweep.ts')).toContain('shared/sweep/probe-agent.ts');
    expect(graph.get('shared/storage/table-storage.ts')).toContain('@azure/data-tables');
  });

  it('keeps the core free of the renderers: nothing in probes … telemetry imports shared/report/', () => {
    const core = ['probes', 'discovery', 'sweep', 'diagnosis', 'alerts', 'history', 'telemetry'].map(
      (d) => `shared/${d}/`,
    );
    const offending = [...graph]
      .filter(([file]) => core.some((d) => file.startsWith(d)))
      .flatMap(([file, imports]) =>
        imports.filter((i) => i.startsWith('shared/report/')).map((i) => `${file} → ${i}`),
      );
    expect(offending).toEqual([]);
  });

  it('has one Table Storage adapter: only shared/storage/table-storage.ts imports @azure/data-tables', () => {
    const importers = [...graph]
      .filter(([, imports]) => imports.includes('@azure/data-tables'))
      .map(([f]) => f);
    expect(importers).toEqual(['shared/storage/table-storage.ts']);
  });

  it('has no import cycle in shared/ and functions/', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('would see a cycle and a forbidden import if there were one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'zod']],
      ['c.ts', ['a.ts']],
    ]);
    expect(findCycle(cyclic)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(
      findCycle(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', []],
        ]),
      ),
    ).toBeNull();
    expect(
      importsOf(
        'shared/alerts/x.ts',
        "import type { A } from '../report/text-matrix.js';\nexport { b } from './b.js';\nimport 'side-effect';\nconst c = await import('../sweep/c.js');",
      ),
    ).toEqual(['shared/report/text-matrix.ts', 'shared/alerts/b.ts', 'side-effect', 'shared/sweep/c.ts']);
  });
});
