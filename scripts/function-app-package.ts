// The Function App's deployment package (azure.yaml `dist: dist/package`), built from the compiled
// dist/ and the installed node_modules on any workstation with Node 20: plain file copies, no
// shell, no compiler, no network. scripts/package-function-app.ts is its command line.
//
// What goes in: host.json, a package.json without scripts or dev dependencies, the compiled
// Functions and shared code (dist/functions, dist/shared; the IKE probe program rides inside as
// ike-probe-binary.js), and the production dependencies — exactly the package-lock.json entries
// `npm ci --omit=dev` would install, copied from node_modules, without TypeScript declarations,
// source maps or test folders. Nothing else: no tests, sources, lab, infra, docs or .git.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Compiled folders the Functions host loads from (package.json "main" is dist/functions/index.js). */
export const PACKAGED_DIST_FOLDERS = ['functions', 'shared'] as const;
/** Never needed at run time; declarations and maps are most of node_modules' bytes. */
const DROPPED = /(\.d\.[cm]?ts|\.[cm]?ts|\.map)$/;
/**
 * Top-level folders of a dependency that are left out: nested node_modules are lock entries of
 * their own (copied, or left out as dev, on their own turn); test folders carry fixtures such as
 * ssh2's throwaway private keys, which have no place in a deployment.
 */
const DROPPED_FOLDERS = new Set(['node_modules', 'test', 'tests', '__tests__']);

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
}

export interface PackageSummary {
  out: string;
  dependencies: number;
  files: number;
  bytes: number;
}

export class PackageError extends Error {
  override readonly name = 'PackageError';
}

/** The node_modules paths (`node_modules/a`, `node_modules/a/node_modules/b`) of the production closure. */
export function productionLockPaths(lock: { packages?: Record<string, LockEntry> }): string[] {
  const packages = lock.packages;
  if (!packages)
    throw new PackageError('package-lock.json has no "packages" map (lockfileVersion ≥ 2 needed)');
  return Object.entries(packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev)
    .map(([path]) => path)
    .sort();
}

export function packageFunctionApp(root: string, out = join(root, 'dist', 'package')): PackageSummary {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const main = String(pkg.main ?? '');
  if (!existsSync(join(root, main))) {
    throw new PackageError(`${main} does not exist: compile first (npm run build runs tsc before this)`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  cpSync(join(root, 'host.json'), join(out, 'host.json'));
  const manifest = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    private: true,
    type: pkg.type,
    engines: pkg.engines,
    main,
    dependencies: pkg.dependencies,
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const folder of PACKAGED_DIST_FOLDERS) {
    const to = join(out, 'dist', folder);
    cpSync(join(root, 'dist', folder), to, { recursive: true, filter: (src) => !src.endsWith('.map') });
    // The maps stay behind (they point at the .ts sources), so their references go too.
    for (const name of readdirSync(to, { recursive: true, encoding: 'utf8' })) {
      if (!name.endsWith('.js')) continue;
      const file = join(to, name);
      const text = readFileSync(file, 'utf8');
      const stripped = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      if (stripped !== text) writeFileSync(file, stripped);
    }
  }

  const entries = (lock.packages ?? {}) as Record<string, LockEntry>;
  const paths = productionLockPaths(lock);
  let dependencies = 0;
  for (const path of paths) {
    const entry = entries[path]!;
    const from = join(root, ...path.split('/'));
    const installed = join(from, 'package.json');
    if (!existsSync(installed)) {
      // npm skips optional dependencies that do not fit the platform (ssh2's native helpers).
      if (entry.optional) continue;
      throw new PackageError(`${path} is in package-lock.json but not installed: run npm ci first`);
    }
    const version = (JSON.parse(readFileSync(installed, 'utf8')) as { version?: string }).version;
    if (entry.version && version !== entry.version) {
      throw new PackageError(
        `${path} is ${version}, package-lock.json says ${entry.version}: run npm ci first`,
      );
    }
    cpSync(from, join(out, ...path.split('/')), {
      recursive: true,
      dereference: true,
      filter: (src) => !DROPPED_FOLDERS.has(relative(from, src).split(sep)[0]!) && !DROPPED.test(src),
    });
    dependencies++;
  }
  const { files, bytes } = sizeOf(out);
  return { out, dependencies, files, bytes };
}

function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const s = statSync(join(dir, name));
    if (s.isFile()) {
      files++;
      bytes += s.size;
    }
  }
  return { files, bytes };
}
