#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout, the compiled dist/ where there are no sources.
import { existsSync } from 'node:fs';

const source = new URL('../shared/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/shared/cli/main.js', import.meta.url);

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write(
    'tunnelwatch: neither shared/cli/main.ts nor dist/shared/cli/main.js found; run "npm run build"\n',
  );
  process.exitCode = 70;
}
