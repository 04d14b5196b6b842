// Removes everything the lab made, discovering it from the system rather than trusting the state file,
// so that it also cleans up after a crash mid-`up`: daemons and their children (found by the lab path
// in their command line or by their lab cgroup), mounts under the lab directory, namespaces, links, cgroups.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { LAB_BRIDGE, LAB_RUN_DIR, MAX_LAB_HOSTS, planHost } from './address-plan.js';
import { run } from './command.js';

const LAB_NETNS = /^tw-h\d+$/;
const LAB_CGROUP = '/tunnelwatch-lab-h';
// Only these programs are ever killed for naming the lab path, never a bystander such as `tail -f …/dockerd.log`.
const LAB_DAEMONS = new Set([
  'dockerd',
  'containerd',
  'containerd-shim',
  'containerd-shim-runc-v2',
  'runc',
  'docker-proxy',
  'nsenter',
  'unshare',
]);

export async function labNamespaces(): Promise<string[]> {
  const { stdout } = await run(['ip', 'netns', 'list'], { allowFailure: true });
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => LAB_NETNS.test(n));
}

/** PIDs of processes the lab started: dockerd/containerd/shims (lab path in argv) and container processes (lab cgroup). */
export async function labProcesses(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8').catch(() => '');
    const program = (cmdline.split('\0')[0] ?? '').split('/').pop() ?? '';
    const ours =
      (LAB_DAEMONS.has(program) && cmdline.includes(`${LAB_RUN_DIR}/`)) || cgroup.includes(`:${LAB_CGROUP}`);
    if (ours) pids.push(Number(entry));
  }
  return pids;
}

export async function labMounts(): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${LAB_RUN_DIR}/`) || m === LAB_RUN_DIR || /^\/run\/netns\/tw-h\d+$/.test(m));
}

export async function labCgroups(): Promise<string[]> {
  const found: string[] = [];
  if (!existsSync('/sys/fs/cgroup')) return found;
  for (const controller of await readdir('/sys/fs/cgroup')) {
    const dir = `/sys/fs/cgroup/${controller}`;
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const e of entries) if (e.startsWith(LAB_CGROUP.slice(1))) found.push(`${dir}/${e}`);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return left;
}

async function dockerdPid(hostDir: string): Promise<number | null> {
  const pid = Number((await readFile(`${hostDir}/dockerd.pid`, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  // A recycled PID must not be killed: check it is still this host's dockerd.
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(`${hostDir}/`) ? pid : null;
}

export async function teardownLab(log: (line: string) => void = () => undefined): Promise<void> {
  // 1. Agents first, quickly (SIGKILL via docker rm -f), then each dockerd gracefully (it stops containerd).
  const hostDirs = existsSync(LAB_RUN_DIR)
    ? (await readdir(LAB_RUN_DIR)).filter((d) => /^h\d+$/.test(d)).map((d) => `${LAB_RUN_DIR}/${d}`)
    : [];
  await Promise.all(
    hostDirs.map(async (dir) => {
      if (existsSync(`${dir}/admin.sock`)) {
        await run(['docker', '-H', `unix://${dir}/admin.sock`, 'rm', '-f', 'tw-agent'], {
          allowFailure: true,
          timeoutMs: 15_000,
        });
      }
    }),
  );
  const daemons = (await Promise.all(hostDirs.map(dockerdPid))).filter((p): p is number => p !== null);
  for (const pid of daemons) process.kill(pid, 'SIGTERM');
  const stubborn = await waitGone(daemons, 20_000);
  for (const pid of stubborn) process.kill(pid, 'SIGKILL');

  // 2. Whatever survived (containerd after a killed dockerd, shims, orphaned container processes).
  for (let round = 0; round < 3; round++) {
    const left = await labProcesses();
    if (left.length === 0) break;
    log(`killing ${left.length} leftover lab process(es): ${left.join(' ')}`);
    for (const pid of left) {
      try {
        process.kill(pid, round === 0 ? 'SIGTERM' : 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await waitGone(left, 5_000);
  }

  // 3. Mounts, deepest first (overlay2 layers, netns bind mounts, shm).
  for (const mount of (await labMounts()).sort((a, b) => b.length - a.length)) {
    await run(['umount', '-l', mount], { allowFailure: true });
  }

  // 4. Namespaces (their veth ends go with them), the root-side ports and the bridge.
  for (const ns of await labNamespaces()) await run(['ip', 'netns', 'delete', ns], { allowFailure: true });
  for (let i = 1; i <= MAX_LAB_HOSTS; i++) {
    const port = planHost(i).bridgePort;
    if (existsSync(`/sys/class/net/${port}`))
      await run(['ip', 'link', 'delete', port], { allowFailure: true });
  }
  if (existsSync(`/sys/class/net/${LAB_BRIDGE}`)) await run(['ip', 'link', 'delete', LAB_BRIDGE]);

  // 5. Container cgroups (children first) and the lab directory.
  for (const cg of await labCgroups()) {
    const children = (await readdir(cg, { withFileTypes: true }).catch(() => []))
      .filter((e) => e.isDirectory())
      .map((e) => `${cg}/${e.name}`);
    for (const child of children) await rmdir(child).catch(() => undefined);
    await rmdir(cg).catch(() => undefined);
  }
  await rm(LAB_RUN_DIR, { recursive: true, force: true });
}
