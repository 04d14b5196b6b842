// `npm run bench`: every benchmark in turn, each in its own process, printing figures (no assertions).
//   1. matrix page: render + load of 50- and 200-host reports in headless Chromium (2 s target)
//   1b. simulated fleet: monitor wall, CPU and RSS for N = 50, 100, 200 fake Docker hosts (no root)
//   1c. host-output parsers: time at n and 8n on crafted input (ratio 8 = linear)
//   2. lab: up/down wall times (3 and 8 hosts) and memory per host        (root only)
//   3. sweep: full-mesh sweep wall time for N = 2, 4, 8 agents vs one ping burst (root only; 8-host lab)
//   4. probe floor: issue 13's goals (critical path, N=8/N=2, requests, host CPU, black-holed
//      endpoint, detection at 10 s), each next to its target (root only; same lab)
import { spawnSync } from 'node:child_process';
import { down, up } from '../lab/lab.js';

const bench = (file: string, args: string[] = []) => {
  console.log(`\n### ${file}`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL(file, import.meta.url).pathname, ...args],
    {
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) console.log(`(${file} exited with ${r.status ?? r.signal})`);
};

bench('./matrix-bench.ts');
bench('./fleet-bench.ts');
bench('./parser-bench.ts');
if (process.getuid?.() === 0) {
  bench('./lab-bench.ts');
  const lab = await up({ hosts: 8, log: () => undefined });
  try {
    bench('./sweep-bench.ts', [lab.configFile ?? '']);
    bench('./probe-floor-bench.ts', [lab.configFile ?? '']);
  } finally {
    await down();
  }
} else {
  console.log('\nlab and sweep benchmarks skipped: they need root (network namespaces, dockerd)');
}
