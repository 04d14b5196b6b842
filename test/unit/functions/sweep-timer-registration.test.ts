import Module, { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// @azure/functions looks up the worker's `@azure/functions-core` with require(); point it at the stand-in.
const require = createRequire(import.meta.url);
const standIn = require.resolve('../../support/functions-core/stand-in.cjs');
const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = resolver._resolveFilename;
resolver._resolveFilename = (request, ...rest) =>
  request === '@azure/functions-core' ? standIn : original(request, ...rest);

describe('function registration', () => {
  it('registers the sweep timer on the %SWEEP_SCHEDULE% app setting, then the two HTTP functions', async () => {
    await import('../../../functions/index.js');
    const { registered } = require(standIn) as {
      registered: { metadata: { name: string; bindings: Record<string, object> } }[];
    };
    expect(registered.map((r) => r.metadata.name)).toEqual(['sweep', 'matrix', 'report']);
    const bindings = Object.values(registered[0]!.metadata.bindings);
    expect(bindings).toEqual([
      expect.objectContaining({ type: 'timerTrigger', direction: 'in', schedule: '%SWEEP_SCHEDULE%' }),
    ]);
  });

  it('starts telemetry before any function module loads (index.ts imports start-telemetry first)', async () => {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(new URL('../../../functions/index.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/^import '([^']+)';/gm)].map((m) => m[1]);
    expect(imports[0]).toBe('./start-telemetry.js');
    const { functionTelemetry } = await import('../../../functions/start-telemetry.js');
    expect(functionTelemetry).toEqual({
      sink: null,
      off: 'telemetry off: APPLICATIONINSIGHTS_CONNECTION_STRING is not set',
    });
  });
});
