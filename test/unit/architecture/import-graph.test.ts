import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycle, importsOf } from '../../support/import-graph.js';

// The layering the code depends on, checked on the sources themselves: the import statements of
// every .ts file under shared/ and functions/.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = [...sources('shared'), ...sources('functions')];
const graph = new Map(files.map((f) => [f, importsOf(ROOT, f, readFileSync(join(ROOT, f), 'utf8'))]));

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

  it('has one Blob Storage adapter: only shared/storage/blob-storage.ts imports @azure/storage-blob', () => {
    const importers = [...graph]
      .filter(([, imports]) => imports.includes('@azure/storage-blob'))
      .map(([f]) => f);
    expect(importers).toEqual(['shared/storage/blob-storage.ts']);
  });

  it('has no import cycle in shared/ and functions/', () => {
    expect(findCycle(graph)).toBeNull();
  });

  it('has no cycle between the folders of shared/ either: each folder sits on the ones below it', () => {
    const folderOf = (file: string) => /^shared\/([^/]+)\//.exec(file)?.[1];
    const folders = new Map<string, Set<string>>();
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      if (from === undefined) continue;
      const edges = folders.get(from) ?? new Set<string>();
      for (const to of imports.map(folderOf)) if (to !== undefined && to !== from) edges.add(to);
      folders.set(from, edges);
    }
    expect(folders.size).toBeGreaterThan(10);
    expect(findCycle(new Map([...folders].map(([f, e]) => [f, [...e]])))).toBeNull();
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
        ROOT,
        'shared/alerts/x.ts',
        "import type { A } from '../report/text-matrix.js';\nexport { b } from './b.js';\nimport 'side-effect';\nconst c = await import('../sweep/c.js');",
      ),
    ).toEqual(['shared/report/text-matrix.ts', 'shared/alerts/b.ts', 'side-effect', 'shared/sweep/c.ts']);
  });
});
