import { describe, expect, it } from 'vitest';
import { listBicepFiles, parseBicep, readBicepFile, syntaxProblems } from './bicep-source.js';

const files = listBicepFiles();

describe('Bicep syntax (tree-sitter-bicep; no Bicep compiler can be installed here)', () => {
  it('finds the entry point and its modules', () => {
    const rel = files.map((f) => f.slice(f.indexOf('infra/')));
    expect(rel).toContain('infra/main.bicep');
    expect(rel.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files.map((f) => [f.slice(f.indexOf('infra/')), f]))(
    '%s parses without errors',
    async (_rel, abs) => {
      const file = await readBicepFile(abs);
      const problems = syntaxProblems(file.root).map(
        (p) => `${file.rel}:${p.line}:${p.column} ${p.kind} ${p.text}`,
      );
      expect(problems).toEqual([]);
      expect(file.root.hasError).toBe(false);
    },
  );

  // Proves the check can fail: a module call with a dangling property value and an unclosed object.
  it('flags a deliberately broken snippet with its position', async () => {
    const root = await parseBicep("param name string\nmodule m 'x.bicep' = {\n  params: { name: }\n");
    expect(root.hasError).toBe(true);
    const problems = syntaxProblems(root);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.line === 3 && p.kind === 'MISSING')).toBe(true);
  });
});
