// Lab figures for the README: wall time of up/down (3 and 8 hosts, cold and warm image cache) and memory
// per host. Run as root: `npx tsx test/bench/lab-bench.ts`. Takes the lab down at the end.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { LAB_CACHE_DIR } from '../lab/address-plan.js';
import { down, up } from '../lab/lab.js';
import { labProcesses } from '../lab/lab-teardown.js';

async function memoryLine(hosts: number): Promise<string> {
  const mem = await memoryPerHost(hosts);
  const parts = Object.entries(mem).map(([k, v]) => `${k} ${v}`);
  return `RSS per host (${hosts} hosts), MB: ${parts.join(', ')}; total ${Object.values(mem).reduce((a, b) => a + b, 0)}`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Mean RSS per host of dockerd, containerd and charon (MB), from the lab's own processes. */
async function memoryPerHost(hosts: number): Promise<Record<string, number>> {
  const sums: Record<string, number> = { dockerd: 0, containerd: 0, 'containerd-shim': 0, charon: 0 };
  for (const pid of await labProcesses()) {
    const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    const key = name.startsWith('containerd-shim') ? 'containerd-shim' : name;
    if (key in sums) sums[key]! += await rssKb(pid);
  }
  return Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round(v / hosts / 1024)]));
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('lab-bench needs root');
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  await down();
  if (existsSync(LAB_CACHE_DIR)) {
    for (const f of await readdir(LAB_CACHE_DIR)) await rm(`${LAB_CACHE_DIR}/${f}`, { force: true });
  }
  say(`lab up   3 hosts, cold image cache: ${(await timed(() => up({ hosts: 3 }))).toFixed(1)} s`);
  say(`lab up   3 hosts, already up (no-op): ${(await timed(() => up({ hosts: 3 }))).toFixed(1)} s`);
  say(`lab down 3 hosts: ${(await timed(() => down())).toFixed(1)} s`);
  say(`lab up   3 hosts, warm image cache: ${(await timed(() => up({ hosts: 3 }))).toFixed(1)} s`);
  say(await memoryLine(3));
  say(`lab down 3 hosts: ${(await timed(() => down())).toFixed(1)} s`);
  say(
    `lab up   8 hosts, warm image cache: ${(await timed(() => up({ hosts: 8, tunnelTimeoutMs: 120_000 }))).toFixed(1)} s`,
  );
  say(await memoryLine(8));
  say(`lab down 8 hosts: ${(await timed(() => down())).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  process.stderr.write(`lab-bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
