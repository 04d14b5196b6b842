import { execFileSync, type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionLockPaths } from '../../scripts/function-app-package.js';
import { IKE_PROBE_SHA256 } from '../../shared/probes/ike/ike-probe-binary.js';

// `npm run build` (the one script azd's Node packaging step runs) from a clean checkout (git clone of this commit), with a PATH that holds only
// node, npm and sh: no Debian-only files (bash-static, busybox), no gcc, no docker. The checkout
// gets the already-installed node_modules linked in, standing in for the `npm ci` a workstation
// (or azd) runs. Then the package is listed, and its entry point loaded with nothing but the
// package's own production dependencies, as the Functions host would load it.

const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tw-package-'));
const checkout = join(work, 'checkout');
const bin = join(work, 'bin');
let pkg: string;
let files: string[];

function which(name: string): string {
  return realpathSync(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim());
}
/** Every path under `dir`, relative, with `/` separators. */
function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => p.split('\\').join('/'))
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}
const strippedEnv = () => ({ PATH: bin, HOME: work, npm_config_cache: join(work, 'npm-cache') });

beforeAll(() => {
  const head = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', repo, checkout]);
  execFileSync('git', ['-C', checkout, 'checkout', '--quiet', head]);
  symlinkSync(realpathSync(join(repo, 'node_modules')), join(checkout, 'node_modules'));
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync(which('npm'), join(bin, 'npm'));
  symlinkSync(which('sh'), join(bin, 'sh'));
  const run = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: checkout,
    env: strippedEnv(),
    encoding: 'utf8',
    timeout: 280_000,
  });
  if (run.status !== 0)
    throw new Error(`npm run build failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  pkg = join(checkout, 'dist', 'package');
  files = listTree(pkg);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

describe('npm run build (what azd runs) from a clean checkout', () => {
  it('ran with only node, npm and sh on PATH', () => {
    expect(readdirSync(bin).sort()).toEqual(['node', 'npm', 'sh']);
    for (const debianOnly of ['bash-static', 'busybox', 'gcc', 'docker']) {
      expect(existsSync(join(bin, debianOnly))).toBe(false);
    }
    const scripts = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')).scripts;
    expect(`${scripts.build} ${scripts.package}`).not.toMatch(/bash|busybox|\.sh\b/);
  });

  it('holds host.json, a production package.json and the compiled Functions entry point', () => {
    expect(readFileSync(join(pkg, 'host.json'), 'utf8')).toBe(readFileSync(join(repo, 'host.json'), 'utf8'));
    const source = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ main: 'dist/functions/index.js', type: 'module' });
    expect(manifest.dependencies).toEqual(source.dependencies);
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
    for (const fn of readdirSync(join(repo, 'functions')).filter((f) => f.endsWith('.ts'))) {
      expect(files).toContain(`dist/functions/${fn.replace(/\.ts$/, '.js')}`);
    }
  });

  it('carries the IKE probe program the Function imports onto hosts, byte for byte', async () => {
    const mod = await import(join(pkg, 'dist/shared/probes/ike/ike-probe-binary.js'));
    const bytes = Buffer.from(mod.IKE_PROBE_BASE64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(IKE_PROBE_SHA256);
    expect(files).toContain('dist/shared/probes/ike/ike-probe-image.js');
  });

  it('holds exactly the production dependency closure of package-lock.json', () => {
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
    const installed = new Set(
      files
        .filter((f) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(f))
        .map((f) => dirname(f)),
    );
    const expected = productionLockPaths(lock).filter(
      (p) => !lock.packages[p].optional || existsSync(join(repo, p, 'package.json')),
    );
    // A package's own package.json files in sub-folders (e.g. dist/esm/package.json) are not packages.
    expect(expected.filter((p) => !installed.has(p))).toEqual([]);
    const devOnly = Object.keys(lock.packages).filter(
      (p) => p.startsWith('node_modules/') && lock.packages[p].dev,
    );
    expect(devOnly.length).toBeGreaterThan(100);
    expect(devOnly.filter((p) => existsSync(join(pkg, p)))).toEqual([]);
    for (const dev of ['typescript', 'vitest', 'tsx', '@biomejs/biome', 'azurite', '@azure/arm-appservice']) {
      expect(existsSync(join(pkg, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('leaves out tests, sources, maps, lab, infra, docs, git and anything that looks like a secret', () => {
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    expect(
      own.filter((f) => !/^(host\.json|package\.json|dist\/(functions|shared)\/.+\.js)$/.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => /\.([cm]?ts|map)$/.test(f))).toEqual([]);
    expect(
      files.filter((f) =>
        /(^|\/)(\.git|\.lab|\.azure|\.env|local\.settings\.json|id_(rsa|ed25519|ecdsa)[^/]*|[^/]*\.(pem|key|p12|pfx|ppk))$/.test(
          f,
        ),
      ),
    ).toEqual([]);
    // Own files are checked above; a dependency's top-level test folder is left out (fixtures such as
    // ssh2's throwaway keys live there).
    expect(files.filter((f) => /^node_modules\/(@[^/]+\/)?[^/@]+\/(test|tests|__tests__)\//.test(f))).toEqual(
      [],
    );
    const mapped = own.filter(
      (f) => f.endsWith('.js') && readFileSync(join(pkg, f), 'utf8').includes('sourceMappingURL'),
    );
    expect(mapped).toEqual([]);
    const secretLike =
      /-----BEGIN [A-Z ]*PRIVATE KEY-----|AccountKey=[A-Za-z0-9+/]{20}|SharedAccessSignature=|InstrumentationKey=[0-9a-f]{8}-/;
    expect(own.filter((f) => secretLike.test(readFileSync(join(pkg, f), 'utf8')))).toEqual([]);
  });

  it('loads with only its production dependencies and registers every function the sources define', () => {
    // The package lives under the OS temp folder: nothing above it may offer a node_modules to fall back on.
    for (let dir = dirname(pkg); dirname(dir) !== dir; dir = dirname(dir)) {
      expect(existsSync(join(dir, 'node_modules')), dir).toBe(dir === checkout);
    }
    // ...and the checkout's own (dev) node_modules is hidden for this run.
    const hidden = join(checkout, 'node_modules.hidden');
    renameSync(join(checkout, 'node_modules'), hidden);
    const standIn = join(work, 'functions-core-stand-in.cjs');
    writeFileSync(standIn, readFileSync(join(repo, 'test/support/functions-core/stand-in.cjs')));
    const preload = join(work, 'preload.cjs');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === '@azure/functions-core' ? ${JSON.stringify(standIn)} : original.call(this, request, ...rest);
};`,
    );
    let load: SpawnSyncReturns<string>;
    try {
      load = spawnSync(
        'node',
        [
          '--require',
          preload,
          '--input-type=module',
          '-e',
          `await import('./dist/functions/index.js');
const { registered } = (await import('node:module')).createRequire(import.meta.url)(${JSON.stringify(standIn)});
process.stdout.write(JSON.stringify(registered.map((r) => [r.metadata.name, Object.values(r.metadata.bindings).map((b) => b.type)])));`,
        ],
        {
          cwd: pkg,
          // As infra/ configures the app: the sweep queue's identity-based connection (never dialled
          // at registration), so the queue-triggered Function registers too.
          env: { ...strippedEnv(), TUNNELWATCH_SWEEP_QUEUE__queueServiceUri: 'http://127.0.0.1:9' },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    } finally {
      renameSync(hidden, join(checkout, 'node_modules'));
    }
    expect(load.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    expect(load.status, load.stderr).toBe(0);
    const registered = JSON.parse(load.stdout) as [string, string[]][];
    // Every app.timer / app.http / app.storageQueue call in functions/*.ts, by name.
    const defined = readdirSync(join(repo, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        [...readFileSync(join(repo, 'functions', f), 'utf8').matchAll(/\bapp\.(\w+)\(\s*'([^']+)'/g)].map(
          (m) => [m[2]!, m[1]!] as const,
        ),
      );
    expect(defined.length).toBeGreaterThanOrEqual(3);
    expect(registered.map(([name]) => name).sort()).toEqual(defined.map(([name]) => name).sort());
    const trigger = Object.fromEntries(registered.map(([name, types]) => [name, types[0]]));
    const bindingOf: Record<string, string> = {
      timer: 'timerTrigger',
      http: 'httpTrigger',
      storageQueue: 'queueTrigger',
    };
    for (const [name, kind] of defined) expect(trigger[name], name).toBe(bindingOf[kind]);
  });
});
