// Host-output parsers on crafted input of growing size: time per input at n and 8n, printed as the
// ratio (linear ≈ 8, quadratic ≈ 64). Figures only, no assertions.
import { pickOverlayIp } from '../../shared/discovery/pick-overlay-ip.js';
import { parseBatchOutput } from '../../shared/probes/exec-batch.js';
import { parseIkeProbeLines } from '../../shared/probes/ike/ike-path-result.js';
import { parseListSas } from '../../shared/probes/ipsec-sa/parse-list-sas.js';
import { parsePingOutput } from '../../shared/probes/ping/parse-ping-output.js';

const NONCE = '0123456789abcdef';
const cases: [string, (n: number) => string, (input: string) => unknown][] = [
  [
    'ping: reply lines',
    (n) => '64 bytes from 1.2.3.4: seq=1 ttl=64 time=1.5 ms\n'.repeat(n / 48),
    (t) => parsePingOutput(t, 3),
  ],
  [
    'batch: blocks',
    (n) => `@@tw-${NONCE} job ov-0 0\nx\n@@tw-${NONCE} end ov-0\n`.repeat(n / 60),
    (t) => parseBatchOutput(t, NONCE),
  ],
  ['ip addr: "@x" run', (n) => `2: eth0${'@x'.repeat(n / 2)}`, (t) => pickOverlayIp(t, [])],
  ['ike sidecar lines', (n) => 'p1 answered 812 deadbeef\n'.repeat(n / 25), (t) => parseIkeProbeLines(t)],
  [
    'swanctl: child-sas run without spaces',
    (n) => `list-sa event {x {state=ESTABLISHED child-sas {${'x'.repeat(n)}}}}`,
    (t) => parseListSas(t),
  ],
];

// Time per parse: repeated until one measurement lasts ~20 ms (a sub-millisecond parse timed once is
// mostly JIT tiering and GC pauses), best of five such measurements.
const time = (parse: (t: string) => unknown, input: string) => {
  const t0 = performance.now();
  parse(input);
  const reps = Math.max(1, Math.min(10_000, Math.ceil(20 / Math.max(performance.now() - t0, 0.001))));
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    for (let r = 0; r < reps; r++) parse(input);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return best;
};

// Small enough that a quadratic parser still finishes (swanctl before its linear rewrite: ~13 s).
const N = 8_000;
console.log(
  `parser                                    ${N / 1000} KB ms   ${(8 * N) / 1000} KB ms   ratio (8 = linear)`,
);
for (const [name, make, parse] of cases) {
  const small = time(parse, make(N));
  const large = time(parse, make(8 * N));
  console.log(
    `${name.padEnd(40)}  ${small.toFixed(3).padStart(8)}  ${large.toFixed(3).padStart(9)}   ${(large / small).toFixed(1)}`,
  );
}
