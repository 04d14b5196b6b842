// `npm run build` (after tsc; azd runs it, `npm run package` is the same): writes dist/package/, the Function App's deployment package
// (see function-app-package.ts for what goes in). Works the same on macOS, Windows and Linux.
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PackageError, packageFunctionApp } from './function-app-package.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
try {
  const s = packageFunctionApp(root);
  process.stderr.write(
    `package: ${relative(root, s.out)}: ${s.dependencies} production packages, ${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB\n`,
  );
} catch (e) {
  if (!(e instanceof PackageError)) throw e;
  process.stderr.write(`package: ${e.message}\n`);
  process.exitCode = 1;
}
