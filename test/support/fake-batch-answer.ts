import type { ExecAnswer } from './hostile-docker-daemon.js';

/**
 * What a healthy agent prints for tunnelwatch's exec batch (shared/probes/exec-batch.ts): every
 * ping job answers all its packets (BusyBox format), `swanctl --list-sas` prints nothing. Any
 * other command exits 127 like a missing binary. Lets a fake daemon stand for a measured host.
 */
export function healthyBatchAnswer(argv: string[]): ExecAnswer {
  if (argv[0] !== 'sh' || argv[3] !== 'tunnelwatch-batch') return { stdout: '', exitCode: 127 };
  const [nonce, , ...jobs] = argv.slice(4);
  const blocks: string[] = [];
  for (let i = 0; i < jobs.length; ) {
    const id = jobs[i]!;
    const op = jobs[i + 1]!;
    if (op === 'ping') {
      const [count, , , ip] = jobs.slice(i + 2, i + 6);
      const n = Number(count);
      const replies = Array.from(
        { length: n },
        (_, seq) => `64 bytes from ${ip}: seq=${seq} ttl=64 time=0.100 ms`,
      );
      blocks.push(
        `@@tw-${nonce} job ${id} 0`,
        `PING ${ip} (${ip}): 56 data bytes`,
        ...replies,
        '',
        `--- ${ip} ping statistics ---`,
        `${n} packets transmitted, ${n} packets received, 0% packet loss`,
        'round-trip min/avg/max = 0.100/0.100/0.100 ms',
        '',
        `@@tw-${nonce} end ${id}`,
      );
      i += 6;
    } else {
      blocks.push(`@@tw-${nonce} job ${id} 0`, '', `@@tw-${nonce} end ${id}`);
      i += 2;
    }
  }
  return { stdout: `${blocks.join('\n')}\n`, exitCode: 0 };
}
