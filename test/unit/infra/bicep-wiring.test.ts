import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type BicepFile,
  listBicepFiles,
  loadedFiles,
  moduleCalls,
  moduleOutputReferences,
  outputs,
  parameters,
  readBicepFile,
} from './bicep-source.js';

let files: BicepFile[];
const byAbs = new Map<string, BicepFile>();

beforeAll(async () => {
  files = await Promise.all(listBicepFiles().map(readBicepFile));
  for (const f of files) byAbs.set(f.abs, f);
});

describe('Bicep wiring: names a compiler would check', () => {
  it('every module path exists and is a local .bicep file', () => {
    const broken = files.flatMap((f) =>
      moduleCalls(f)
        .filter((m) => !m.path.endsWith('.bicep') || !existsSync(resolve(dirname(f.abs), m.path)))
        .map((m) => `${f.rel}:${m.line} module ${m.symbol} '${m.path}'`),
    );
    expect(broken).toEqual([]);
  });

  it('every param a module call passes is declared by that module, and every required one is passed', () => {
    const problems: string[] = [];
    for (const f of files) {
      for (const call of moduleCalls(f)) {
        const target = byAbs.get(resolve(dirname(f.abs), call.path));
        if (!target) continue;
        const declared = parameters(target);
        const names = new Set(declared.map((p) => p.name));
        for (const p of call.params) {
          if (!names.has(p))
            problems.push(
              `${f.rel}:${call.line} ${call.symbol} passes unknown param '${p}' to ${target.rel}`,
            );
        }
        for (const p of declared) {
          if (!p.hasDefault && !call.params.includes(p.name)) {
            problems.push(
              `${f.rel}:${call.line} ${call.symbol} omits required param '${p.name}' of ${target.rel}`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every <module>.outputs.<name> used exists in that module', () => {
    const problems: string[] = [];
    for (const f of files) {
      const calls = new Map(moduleCalls(f).map((c) => [c.symbol, c]));
      for (const ref of moduleOutputReferences(f)) {
        const call = calls.get(ref.symbol);
        if (!call) continue; // a resource's .outputs would be something else; none exist here
        const target = byAbs.get(resolve(dirname(f.abs), call.path));
        if (target && !outputs(target).includes(ref.output)) {
          problems.push(
            `${f.rel}:${ref.line} ${ref.symbol}.outputs.${ref.output} is not an output of ${target.rel}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('every module is reachable from main.bicep (no dead files)', () => {
    const main = files.find((f) => f.rel === 'infra/main.bicep')!;
    const reached = new Set<string>([main.abs]);
    const queue = [main];
    while (queue.length > 0) {
      const f = queue.pop()!;
      for (const call of moduleCalls(f)) {
        const abs = resolve(dirname(f.abs), call.path);
        const target = byAbs.get(abs);
        if (target && !reached.has(abs)) {
          reached.add(abs);
          queue.push(target);
        }
      }
    }
    expect(files.filter((f) => !reached.has(f.abs)).map((f) => f.rel)).toEqual([]);
  });

  it('every file loaded with loadTextContent/loadJsonContent exists', () => {
    const missing = files.flatMap((f) =>
      loadedFiles(f)
        .filter((l) => !existsSync(l.abs))
        .map((l) => `${f.rel}:${l.line} loads '${l.written}', which does not exist`),
    );
    expect(missing).toEqual([]);
  });

  it('no key or shared-key secret is fetched or written anywhere in the Bicep', async () => {
    const { readFileSync } = await import('node:fs');
    const offenders = files.flatMap((f) => {
      const text = readFileSync(f.abs, 'utf8');
      return [
        /listKeys\s*\(/,
        /AccountKey=/,
        /InstrumentationKey=/,
        /listCredentials\s*\(/,
        /allowSharedKeyAccess:\s*true/,
      ]
        .filter((re) => re.test(text))
        .map((re) => `${f.rel} matches ${re}`);
    });
    expect(offenders).toEqual([]);
  });
});
