// Host-side CPU of one lab host, split by component, from /proc and the host's cgroup (cgroup v1
// cpuacct). Used by probe-floor-bench.ts around one steady-state sweep.
//
// Who sees what:
//   - the host's daemons (dockerd, containerd, containerd-shim-runc-v2: every process whose argv
//     names the host's lab directory): their own CPU (utime + stime) and that of the children they
//     reaped (cutime + cstime). runc never lives long enough to be sampled: the shim reaps it, and it
//     reaps the exec'd batch too (the shim is the children's subreaper), so the shims' reaped CPU
//     holds runc AND the probe processes;
//   - the host's containers' cgroups (nanoseconds): the agent's holds charon (long-lived, sampled
//     from /proc) and every probe process of the batch (exited by the time the sweep ends); the
//     other containers are the lab's idle sidekicks.
// So: probe processes = agent cgroup − its live processes; runc = the daemons' reaped CPU − the
// probe processes (the part of runc init that runs before it joins the cgroup counts as runc).
// /proc's tick fields are 10 ms units: a single process's delta is ±10 ms, a mean over hosts less.
import { readdir, readFile } from 'node:fs/promises';
import { LAB_RUN_DIR } from '../lab/address-plan.js';

const CLOCK_TICKS_PER_SEC = 100;
const CGROUP_ROOT = '/sys/fs/cgroup/cpuacct';

interface ProcCpu {
  pid: string;
  comm: string;
  /** utime + stime, ms */
  ownMs: number;
  /** cutime + cstime: the children it has reaped, ms */
  reapedMs: number;
}

interface ContainerCpu {
  id: string;
  usageMs: number;
  procs: ProcCpu[];
}

export interface HostCpuSnapshot {
  daemons: ProcCpu[];
  containers: ContainerCpu[];
}

async function procCpu(pid: string): Promise<ProcCpu | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return null;
  const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are 14–17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (i: number) => (Number(fields[i] ?? 0) * 1000) / CLOCK_TICKS_PER_SEC;
  return { pid, comm, ownMs: ms(11) + ms(12), reapedMs: ms(13) + ms(14) };
}

const cgroupOf = (host: string) => `${CGROUP_ROOT}/tunnelwatch-lab-${host}`;

export async function hostCpuSnapshot(host: string): Promise<HostCpuSnapshot> {
  const daemons: ProcCpu[] = [];
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(`${LAB_RUN_DIR}/${host}/`)) continue;
    const p = await procCpu(pid);
    if (p) daemons.push(p);
  }
  const containers: ContainerCpu[] = [];
  const entries = await readdir(cgroupOf(host), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = `${cgroupOf(host)}/${e.name}`;
    const usageMs = Number(await readFile(`${dir}/cpuacct.usage`, 'utf8').catch(() => '0')) / 1e6;
    const pids = (await readFile(`${dir}/cgroup.procs`, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const procs = (await Promise.all(pids.map(procCpu))).filter((p): p is ProcCpu => p !== null);
    containers.push({ id: e.name, usageMs, procs });
  }
  return { daemons, containers };
}

export interface HostCpuBreakdown {
  dockerd: number;
  containerd: number;
  shim: number;
  /** runc (exec, state, …) reaped by the shims, and runc init before it joins the agent's cgroup. */
  runc: number;
  /** The batch's processes in the agent (sh, watchdog, ping, swanctl, the IKE probe, sleep), all exited. */
  probeProcesses: number;
  /** The agent's charon: the lab's userspace ESP (kernel ESP on a real Rancher host) plus its VICI answers. */
  charon: number;
  /** Everything else in the host's containers: their init, the idle sidekicks. */
  otherContainers: number;
}

const DAEMON_COMPONENT: Record<string, 'dockerd' | 'containerd' | 'shim'> = {
  dockerd: 'dockerd',
  containerd: 'containerd',
  // comm is cut to 15 characters: containerd-shim-runc-v2 shows as containerd-shim.
  'containerd-shim': 'shim',
};

function deltaOf<T extends { pid: string }>(before: readonly T[], after: T, field: (x: T) => number): number {
  const was = before.find((b) => b.pid === after.pid);
  return field(after) - (was ? field(was) : 0);
}

/** Splits the CPU used between two snapshots of one host; ms. Processes new in `after` count from zero. */
export function breakDown(before: HostCpuSnapshot, after: HostCpuSnapshot): HostCpuBreakdown {
  const out: HostCpuBreakdown = {
    dockerd: 0,
    containerd: 0,
    shim: 0,
    runc: 0,
    probeProcesses: 0,
    charon: 0,
    otherContainers: 0,
  };
  let reaped = 0;
  for (const d of after.daemons) {
    const component = DAEMON_COMPONENT[d.comm];
    const own = deltaOf(before.daemons, d, (p) => p.ownMs);
    if (component) out[component] += own;
    else out.otherContainers += own;
    reaped += deltaOf(before.daemons, d, (p) => p.reapedMs);
  }
  for (const c of after.containers) {
    const was = before.containers.find((b) => b.id === c.id);
    const usage = c.usageMs - (was?.usageMs ?? 0);
    const live = c.procs.map((p) => ({ p, own: deltaOf(was?.procs ?? [], p, (x) => x.ownMs) }));
    const charon = live.filter(({ p }) => p.comm === 'charon').reduce((n, { own }) => n + own, 0);
    const liveTotal = live.reduce((n, { own }) => n + own, 0);
    if (charon > 0 || c.procs.some((p) => p.comm === 'charon')) {
      out.charon += charon;
      out.otherContainers += liveTotal - charon;
      out.probeProcesses += Math.max(0, usage - liveTotal);
    } else {
      out.otherContainers += usage;
    }
  }
  out.runc = reaped - out.probeProcesses;
  return out;
}

/** The list: daemons, shims, runc and the probe processes (charon's userspace ESP excluded). */
export function probeMachineryMs(b: HostCpuBreakdown): number {
  return b.dockerd + b.containerd + b.shim + b.runc + b.probeProcesses;
}
