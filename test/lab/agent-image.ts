// The agent image, built without any registry: a root filesystem assembled from this machine's files
// (static BusyBox for sh/ping/ip, charon, swanctl, the plugins and every shared library `ldd` names),
// tarred once into a cache keyed by its content and `docker import`ed into each host's daemon.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LAB_CACHE_DIR } from './address-plan.js';
import { run } from './command.js';
import {
  AGENT_KILL_IKE_SH,
  AGENT_RUN_SH,
  AGENT_START_IKE_SH,
  AGENT_STRONGSWAN_CONF,
} from './swanctl-config.js';

const BUSYBOX = '/bin/busybox';
const CHARON = '/usr/lib/ipsec/charon';
const SWANCTL = '/usr/sbin/swanctl';
const IPSEC_LIB_DIR = '/usr/lib/ipsec';
const PLUGINS = [
  'random',
  'nonce',
  'aes',
  'sha1',
  'sha2',
  'hmac',
  'kdf',
  'gmp',
  'openssl',
  'pem',
  'pkcs1',
  'x509',
  'pubkey',
  'kernel-libipsec',
  'kernel-netlink',
  'socket-default',
  'vici',
];
const REQUIRED_FILES = [
  BUSYBOX,
  CHARON,
  SWANCTL,
  ...PLUGINS.map((p) => `${IPSEC_LIB_DIR}/plugins/libstrongswan-${p}.so`),
];

export interface AgentImage {
  tag: string;
  tarball: string;
}

async function sourceFiles(): Promise<string[]> {
  const missing = REQUIRED_FILES.filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `agent image: missing ${missing.join(', ')}; install busybox-static strongswan-charon strongswan-swanctl ` +
        'libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins',
    );
  }
  const libs = (await readdir(IPSEC_LIB_DIR))
    .filter((f) => /^lib.*\.so\.0$/.test(f))
    .map((f) => `${IPSEC_LIB_DIR}/${f}`);
  return [...REQUIRED_FILES, ...libs];
}

/** Shared libraries of the given ELF files (absolute paths, including the loader), via ldd. */
async function sharedLibraries(files: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const file of files) {
    const { stdout } = await run(['ldd', file], { allowFailure: true });
    for (const line of stdout.split('\n')) {
      const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
      if (m?.[1]) found.add(m[1]);
    }
  }
  const gcc = ['/lib/x86_64-linux-gnu/libgcc_s.so.1', '/usr/lib/x86_64-linux-gnu/libgcc_s.so.1'].find(
    existsSync,
  );
  if (!gcc)
    throw new Error('agent image: libgcc_s.so.1 not found (charon aborts without it); install libgcc-s1');
  found.add(gcc);
  return [...found];
}

/** Copies `src` to the same path under `root`, recreating one level of symlink (lib.so.0 -> lib.so.0.0.0). */
async function copyInto(root: string, src: string): Promise<void> {
  const dest = join(root, src);
  if (existsSync(dest)) return;
  await mkdir(dirname(dest), { recursive: true });
  const info = await stat(src);
  const target = await readlink(src).catch(() => null);
  if (target && !target.includes('/')) {
    await copyInto(root, join(dirname(src), target));
    await symlink(target, dest);
    return;
  }
  await copyFile(await realpath(src), dest);
  await chmod(dest, info.mode & 0o777);
}

async function cacheKey(files: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  h.update([AGENT_RUN_SH, AGENT_START_IKE_SH, AGENT_KILL_IKE_SH, AGENT_STRONGSWAN_CONF].join('\0'));
  for (const f of [...files].sort()) {
    const s = await stat(f);
    h.update(`${f}:${s.size}:${s.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 12);
}

async function assembleRootfs(
  root: string,
  files: readonly string[],
  libs: readonly string[],
): Promise<void> {
  for (const f of [...files, ...libs]) await copyInto(root, f);
  for (const d of [
    'bin',
    'sbin',
    'usr/bin',
    'usr/sbin',
    'etc/swanctl',
    'run',
    'tmp',
    'var/log',
    'proc',
    'sys',
    'dev',
  ]) {
    await mkdir(join(root, d), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await symlink('../run', join(root, 'var/run'));
  // One link per applet; binaries already copied (swanctl) win over BusyBox.
  const { stdout } = await run([BUSYBOX, '--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    const dest = join(root, applet);
    if (!existsSync(dest) && applet !== 'bin/busybox') {
      await mkdir(dirname(dest), { recursive: true });
      await symlink('/bin/busybox', dest);
    }
  }
  await writeFile(join(root, 'etc/strongswan.conf'), AGENT_STRONGSWAN_CONF);
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
  await mkdir(join(root, 'agent'));
  for (const [name, text] of [
    ['run.sh', AGENT_RUN_SH],
    ['start-ike.sh', AGENT_START_IKE_SH],
    ['kill-ike.sh', AGENT_KILL_IKE_SH],
  ] as const) {
    await writeFile(join(root, 'agent', name), text, { mode: 0o755 });
  }
}

/** Returns the cached agent image tarball, building it when the inputs changed or it is missing. */
export async function ensureAgentImageTarball(
  cacheDir = LAB_CACHE_DIR,
): Promise<AgentImage & { built: boolean }> {
  const files = await sourceFiles();
  const libs = await sharedLibraries(files);
  const key = await cacheKey([...files, ...libs]);
  const tarball = join(cacheDir, `agent-${key}.tar`);
  const tag = `tunnelwatch-lab-agent:${key}`;
  if (existsSync(tarball)) return { tag, tarball, built: false };
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'tw-agent-rootfs-'));
  try {
    const root = join(work, 'rootfs');
    await mkdir(root);
    await assembleRootfs(root, files, libs);
    const partial = `${tarball}.partial.${process.pid}`;
    await run(['tar', '--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', partial, '.']);
    await rename(partial, tarball);
    // Older tarballs are superseded; keep the cache to one image.
    for (const old of await readdir(cacheDir)) {
      if (old.startsWith('agent-') && join(cacheDir, old) !== tarball)
        await rm(join(cacheDir, old), { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { tag, tarball, built: true };
}
