import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AgentSelector, HostConfig } from '../../../shared/config/tunnelwatch-config.js';
import { discoverHost } from '../../../shared/discovery/discover-host.js';
import { pickOverlayIp } from '../../../shared/discovery/pick-overlay-ip.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import { type Ipv4, parseIpv4, parseOverlayLabel } from '../../../shared/domain/ipv4.js';
import { PROBE_KINDS } from '../../../shared/domain/probe-kind.js';
import { type HostResult, type PathResult, STATES } from '../../../shared/domain/sweep-report.js';
import type { AgentProbeContext } from '../../../shared/probes/agent-probe.js';
import { MAX_BATCH_OUTPUT_CHARS, parseBatchOutput } from '../../../shared/probes/exec-batch.js';
import { ikePathResult, parseIkeProbeLines } from '../../../shared/probes/ike/ike-path-result.js';
import { parseIkeResponse } from '../../../shared/probes/ike/ike-response.js';
import { ipsecSaPaths } from '../../../shared/probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { type ConnEntry, parseListConns } from '../../../shared/probes/ipsec-sa/parse-list-conns.js';
import {
  type ChildSaEntry,
  type IkeSaEntry,
  parseListSas,
} from '../../../shared/probes/ipsec-sa/parse-list-sas.js';
import { parseViciDump } from '../../../shared/probes/ipsec-sa/vici-dump.js';
import { MTU_PINGS_PER_RUNG, mtuLadderProbe } from '../../../shared/probes/ping/mtu-ladder-probe.js';
import { parsePingOutput } from '../../../shared/probes/ping/parse-ping-output.js';
import { pingPathResult } from '../../../shared/probes/ping/ping-path-result.js';
import type {
  ContainerDetails,
  ContainerSummary,
  DockerHostClient,
  ExecResult,
} from '../../../shared/transport/docker-host-client.js';
import { counter, eventSection, parseViciLine, type ViciSection } from '../../support/vici-tree.js';
import { FUZZ_ITERATIONS, FUZZ_SEED, type Fuzz, fuzz } from './fuzz-input.js';

/**
 * Every parser of host-supplied text or bytes, fed random, token-soup, mutated-real and crafted
 * input. Each must return (never throw), stay within its bounds, and give only valid values:
 * finite numbers, states from the enum. Pathological inputs are sized so a quadratic parser would
 * take minutes: the unit project's 10 s test timeout is the hang guard (no time is asserted).
 */

const fixtures = (dir: string): string[] => {
  const base = new URL(`../../fixtures/${dir}/`, import.meta.url);
  return readdirSync(base)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => readFileSync(new URL(f, base), 'utf8'));
};
const PING_SAMPLES = fixtures('ping');
const SWANCTL_SAMPLES = fixtures('swanctl');
const ip = (s: string) => s as Ipv4;
const host = (s: string) => s as HostName;

const CTX: AgentProbeContext = {
  self: host('h1'),
  agent: { containerId: 'c1', overlayIp: ip('100.64.1.2') },
  peers: [
    { name: host('h2'), underlayIp: ip('198.18.0.202'), overlayIp: ip('100.64.202.2') },
    { name: host('h3'), underlayIp: ip('198.18.0.13'), overlayIp: null },
  ],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1000 },
};

function expectFiniteNonNegative(value: unknown, what: string): void {
  expect(typeof value, what).toBe('number');
  expect(Number.isFinite(value as number) && (value as number) >= 0, `${what} = ${String(value)}`).toBe(true);
}

/** What every consumer of a PathResult (diagnosis, telemetry, the page) relies on. */
function expectValidPath(path: PathResult): void {
  expect(STATES).toContain(path.state);
  expect(PROBE_KINDS).toContain(path.probe);
  expectFiniteNonNegative(path.sent, 'sent');
  expectFiniteNonNegative(path.received, 'received');
  expect(Number.isInteger(path.sent) && Number.isInteger(path.received)).toBe(true);
  expect(path.received).toBeLessThanOrEqual(path.sent);
  expectFiniteNonNegative(path.lossRatio, 'lossRatio');
  expect(path.lossRatio).toBeLessThanOrEqual(1);
  if (path.rttMs) for (const v of Object.values(path.rttMs)) expectFiniteNonNegative(v, 'rtt');
  for (const v of path.samplesMs ?? []) expectFiniteNonNegative(v, 'sample');
  for (const [key, v] of Object.entries(path.sa ?? {}))
    if (typeof v === 'number') expectFiniteNonNegative(v, `sa.${key}`);
  if (path.state === 'unknown') expect(path.error, 'an unknown path says why').toBeTruthy();
  if (path.error !== undefined) expect(path.error.length).toBeLessThanOrEqual(2000);
}

/**
 * Well-formed swanctl event lines of random shape, so a product reader and its tree reference both
 * get past the syntax and read fields: each line's entry (the event's first section) holds random
 * `items` and sections named from `sections` (nested up to depth 5), each of `entryItems` and its
 * `group` section of children (each mostly present), and sometimes a second top section follows.
 */
function randomEventLines(
  f: Fuzz,
  shape: {
    event: string;
    reply: string;
    group: string;
    sections: string[];
    items: string[];
    entryItems: string[];
  },
): string {
  const body = (depth: number): string => {
    const parts: string[] = [];
    for (let i = f.int(7); i > 0; i--)
      parts.push(
        depth < 5 && f.int(3) === 0 ? `${f.pick(shape.sections)} {${body(depth + 1)}}` : f.pick(shape.items),
      );
    return parts.join(' ');
  };
  const lines: string[] = [];
  for (let i = 1 + f.int(3); i > 0; i--) {
    const extra = f.int(4) === 0 ? ` two {${body(2)}}` : '';
    const children = Array.from({ length: f.int(4) }, (_, c) => `c-${c} {${body(4)}}`);
    const entry = [
      body(2),
      ...shape.entryItems.map((item) => (f.int(5) ? item : '')),
      f.int(5) ? `${shape.group} {${children.join(' ')}}` : '',
      body(2),
    ];
    lines.push(`${shape.event} {${f.pick(['tw-h2', 'peer-h3'])} {${entry.join(' ')}}${extra}}`);
  }
  return `${lines.join('\n')}\n${shape.reply} {}\n`;
}

/** Runs `check` on FUZZ_ITERATIONS inputs from each generator, naming the seed and input on failure. */
function forEachInput(
  name: string,
  generators: Record<string, (f: Fuzz) => string>,
  check: (input: string) => void,
): void {
  for (const [kind, generate] of Object.entries(generators)) {
    it(`${name}: ${kind} input (seed ${FUZZ_SEED})`, () => {
      const f = fuzz(FUZZ_SEED ^ hash(name + kind));
      for (let i = 0; i < FUZZ_ITERATIONS; i++) {
        const input = generate(f);
        try {
          check(input);
        } catch (e) {
          throw new Error(`iteration ${i}, input ${JSON.stringify(input.slice(0, 300))}: ${String(e)}`);
        }
      }
    });
  }
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const PING_TOKENS = [
  '64 bytes from 100.64.2.2: seq=1 ttl=64 time=0.105 ms',
  '64 bytes from 1.2.3.4: icmp_seq=1 ttl=64 time=9.1.2 ms',
  ' (DUP!)',
  '3 packets transmitted, 3 packets received, 0% packet loss',
  '3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2043ms',
  `${'9'.repeat(30)} packets transmitted, ${'9'.repeat(30)} received`,
  'round-trip min/avg/max = 0.063/0.078/0.105 ms',
  'rtt min/avg/max/mdev = 0.032/0.046/0.055/0.009 ms',
  'rtt min/avg/max/mdev = ..../1e9/./. ms',
  'From 100.64.2.2 icmp_seq=1 Destination Host Unreachable',
  'ping: sendto: Network is unreachable',
  'PING 100.64.2.2 (100.64.2.2): 56 data bytes',
];

describe('parsePingOutput / pingPathResult', () => {
  const check = (output: string) => {
    for (const asked of [1, 3, 100]) {
      const parsed = parsePingOutput(output, asked);
      if (parsed.ok) {
        expect(parsed.sent).toBeGreaterThan(0);
        expect(parsed.sent).toBeLessThanOrEqual(asked);
        expect(parsed.received).toBeLessThanOrEqual(parsed.sent);
        expect(parsed.samplesMs.length).toBeLessThanOrEqual(asked);
        expect(parsed.errors.length).toBeLessThanOrEqual(10);
        expect(Number.isFinite(parsed.lossRatio)).toBe(true);
      } else {
        expect(parsed.reason.length).toBeGreaterThan(0);
      }
      expectValidPath(
        pingPathResult(host('a'), host('b'), 'overlay-icmp', ip('100.64.2.2'), asked, {
          exitCode: 0,
          output,
        }),
      );
    }
  };
  forEachInput(
    'ping',
    {
      random: (f) => f.junk(400),
      soup: (f) => f.soup(PING_TOKENS, 40),
      mutated: (f) => f.mutate(f.pick(PING_SAMPLES)),
    },
    check,
  );

  it('absurd counts are an unknown path with a reason, never up with Infinity/NaN', () => {
    const huge = '9'.repeat(400);
    const path = pingPathResult(host('a'), host('b'), 'overlay-icmp', ip('100.64.2.2'), 3, {
      exitCode: 0,
      output: `${huge} packets transmitted, ${huge} packets received, 0% packet loss\n`,
    });
    expect(path).toMatchObject({ state: 'unknown', sent: 0, received: 0 });
    expect(path.error).toMatch(/ping statistics/);
    const moreThanAsked = pingPathResult(host('a'), host('b'), 'overlay-icmp', ip('100.64.2.2'), 3, {
      exitCode: 0,
      output: '5000 packets transmitted, 5000 packets received, 0% packet loss\n',
    });
    expect(moreThanAsked).toMatchObject({ state: 'unknown' });
    expect(moreThanAsked.error).toBe('ping statistics claim 5000 packets sent, but 3 were asked for');
  });

  it('an RTT that is not a number is unknown, not a NaN measurement', () => {
    const parsed = parsePingOutput(
      '3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 1.2.3/./9 ms\n',
      3,
    );
    expect(parsed).toEqual({
      ok: false,
      reason: 'ping printed a round-trip time that is not a number',
      unreachable: false,
    });
  });

  // The parser reads lines in place; the line-splitting reader it replaced is the reference: on every
  // input both give the same measurement or the same failure.
  const REFERENCE_REPLY = /^\d+ bytes from [^:]+: (?:icmp_)?seq=\d+ ttl=\d+ time=([\d.]+) ms(.*)/;
  const referenceLines = (text: string, asked: number) => {
    const samplesMs: number[] = [];
    const errors: string[] = [];
    let badSample = false;
    for (const line of text.split('\n')) {
      const reply = REFERENCE_REPLY.exec(line);
      if (reply) {
        if (reply[2]!.includes('DUP!')) continue;
        const rtt = Number(reply[1]);
        if (!Number.isFinite(rtt)) badSample = true;
        else if (samplesMs.length < asked) samplesMs.push(rtt);
        continue;
      }
      const error = /^(?:From \S+ (?:icmp_)?seq=\d+ (.+)|ping: (.+))/.exec(line);
      if (error && errors.length < 10) errors.push((error[1] ?? error[2]!).trim().slice(0, 200));
    }
    return { samplesMs, errors, badSample };
  };
  const sameLines = (output: string) => {
    const text = output.replace(/\r\n/g, '\n');
    for (const asked of [1, 3, 100]) {
      const parsed = parsePingOutput(output, asked);
      const reference = referenceLines(text, asked);
      if (parsed.ok) {
        expect(reference.badSample).toBe(false);
        expect({ samplesMs: parsed.samplesMs, errors: parsed.errors }).toEqual({
          samplesMs: reference.samplesMs,
          errors: reference.errors,
        });
      } else if (!reference.badSample && !text.includes('min/avg/max')) {
        // Without a summary RTT line only a bad reply time makes "not a number".
        expect(parsed.reason).not.toMatch(/not a number/);
      }
    }
  };
  const LINE_EDGES = [
    ...PING_TOKENS,
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=1.5 ms\rDUP!',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=1.5 ms\u2028 (DUP!)',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=1.5 ms\u2029 (DUP!)',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=1.5x ms',
    '64 bytes from 1.2.3.4: seq=3 ttl=64 time=1 ms',
    '64 bytes from 1.2.3.4: seq=4 ttl=64 time=2 ms',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=1.5 msDUP!',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time=. ms',
    '64 bytes from 1.2.3.4: seq=2 ttl=64 time= ms',
    '64 bytes from a:b: seq=2 ttl=64 time=2 ms',
    '64 bytes from \r: seq=2 ttl=64 time=3 ms',
    '3 packets transmitted, 3 received',
  ];
  forEachInput(
    'ping lines in place',
    {
      soup: (f) => f.soup(LINE_EDGES, 40),
      mutated: (f) => f.mutate(f.pick(PING_SAMPLES)),
      lines: (f) =>
        Array.from({ length: 1 + f.int(8) }, () => f.pick(LINE_EDGES)).join(f.pick(['\n', '\r\n', '\r'])) +
        '\n3 packets transmitted, 3 received',
    },
    sameLines,
  );

  it('200,000 reply lines do not overflow the stack: output past the cap is cut, the path unknown', () => {
    const reply = '64 bytes from 1.2.3.4: seq=1 ttl=64 time=1.5 ms\n';
    const flood = reply.repeat(200_000);
    const parsed = parsePingOutput(`${flood}3 packets transmitted, 3 received\n`, 3);
    expect(parsed).toMatchObject({ ok: false, unreachable: false });
    // Within the cap, replies beyond what was asked for are not kept either.
    const within = parsePingOutput(`${reply.repeat(1000)}3 packets transmitted, 3 received\n`, 3);
    expect(within).toMatchObject({ ok: true, sent: 3, received: 3, rttMs: { min: 1.5, max: 1.5 } });
    expect(within.ok && within.samplesMs.length).toBe(3);
  });
});

const NONCE = '0123456789abcdef';
const BATCH_TOKENS = [
  `@@tw-${NONCE} job ov-0 0`,
  `@@tw-${NONCE} job ov-1 1`,
  `@@tw-${NONCE} job sa ${'9'.repeat(40)}`,
  `@@tw-${NONCE} end ov-0`,
  `@@tw-${NONCE} end ov-1`,
  `@@tw-${NONCE} end sa`,
  '@@tw-ffff job ov-0 0',
  '3 packets transmitted, 3 packets received',
];

describe('parseBatchOutput', () => {
  const ids = new Set(['ov-0', 'ov-1', 'sa']);
  const check = (stdout: string) => {
    const outputs = parseBatchOutput(stdout, NONCE, ids);
    expect(outputs.size).toBeLessThanOrEqual(ids.size);
    for (const [id, job] of outputs) {
      expect(ids.has(id)).toBe(true);
      expect(Number.isInteger(job.exitCode) && job.exitCode >= 0 && job.exitCode <= 999).toBe(true);
      expect(job.output.length).toBeLessThanOrEqual(stdout.length);
    }
  };
  forEachInput(
    'batch',
    {
      random: (f) => f.junk(300),
      soup: (f) => f.soup(BATCH_TOKENS, 30),
      mutated: (f) => f.mutate(f.soup(BATCH_TOKENS, 12)),
    },
    check,
  );

  it('an exit code of 400 digits is not a job result (it would be Infinity)', () => {
    const out = `@@tw-${NONCE} job ov-0 ${'9'.repeat(400)}\nx\n@@tw-${NONCE} end ov-0\n`;
    expect(parseBatchOutput(out, NONCE).has('ov-0')).toBe(false);
  });

  it('blocks for jobs that were not asked for are dropped', () => {
    const block = (id: string) => `@@tw-${NONCE} job ${id} 0\nout\n@@tw-${NONCE} end ${id}\n`;
    const out = Array.from({ length: 5000 }, (_, i) => block(`x-${i}`)).join('') + block('ov-0');
    expect([...parseBatchOutput(out, NONCE, ids).keys()]).toEqual(['ov-0']);
  });

  it('stops reading past its cap: jobs beyond it are missing, the map stays bounded', () => {
    const filler = 'a'.repeat(MAX_BATCH_OUTPUT_CHARS);
    const out = `@@tw-${NONCE} job ov-0 0\nok\n@@tw-${NONCE} end ov-0\n${filler}\n@@tw-${NONCE} job ov-1 0\nlate\n@@tw-${NONCE} end ov-1\n`;
    const outputs = parseBatchOutput(out, NONCE, ids);
    expect(outputs.get('ov-0')).toEqual({ exitCode: 0, output: 'ok' });
    expect(outputs.has('ov-1')).toBe(false);
  });
});

describe('parseIkeResponse and the sidecar lines', () => {
  const spi = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const ikeHeader = (f: Fuzz) => {
    const body = f.bytes(120);
    const msg = new Uint8Array(28 + body.length);
    msg.set(spi, 0);
    msg[16] = f.pick([0, 33, 34, 40, 41]);
    msg[17] = 0x20;
    msg[18] = 34;
    msg[19] = 0x20;
    new DataView(msg.buffer).setUint32(24, f.int(4) === 0 ? f.int(0xffffffff) : msg.length);
    msg.set(body, 28);
    return msg;
  };
  it(`random and header-shaped datagrams (seed ${FUZZ_SEED})`, () => {
    const f = fuzz(FUZZ_SEED ^ hash('ike'));
    for (let i = 0; i < FUZZ_ITERATIONS * 4; i++) {
      const datagram = f.int(2) === 0 ? f.bytes(200) : ikeHeader(f);
      const parsed = parseIkeResponse(datagram, spi);
      expect(['answered', 'not-ours', 'malformed']).toContain(parsed.kind);
      if (parsed.kind === 'answered') {
        expect(parsed.notifies.length).toBeLessThanOrEqual(datagram.length / 8);
        for (const n of parsed.notifies) expect(Number.isInteger(n)).toBe(true);
      }
      const line = `p1 answered ${f.int(2e9)} ${Buffer.from(datagram).toString('hex')}`;
      const fields = parseIkeProbeLines(line).get('p1');
      expectValidPath(ikePathResult(host('a'), host('b'), 500, ip('198.18.0.12'), spi, fields));
    }
  });
  forEachInput(
    'ike sidecar lines',
    {
      random: (f) => f.junk(300),
      soup: (f) => f.soup(['p1', 'answered', 'timeout', 'refused', '812', 'deadbeef', '00', '-'], 20),
    },
    (output) => {
      for (const fields of parseIkeProbeLines(output).values())
        expectValidPath(ikePathResult(host('a'), host('b'), 4500, ip('198.18.0.12'), spi, fields));
    },
  );

  it('a datagram larger than UDP allows is malformed', () => {
    expect(parseIkeResponse(new Uint8Array(70_000), spi)).toMatchObject({ kind: 'malformed' });
  });
});

const SWANCTL_TOKENS = [
  'list-sa event {',
  'list-sas reply {}',
  'tw-h2 {',
  ' child-sas {',
  'state=ESTABLISHED',
  'state=INSTALLED',
  'remote-host=198.18.0.202',
  `bytes-in=${'9'.repeat(400)}`,
  'established=12',
  'remote-ts=[100.64.202.0/24]',
  '}',
  '{',
  "connecting to 'unix:///var/run/charon.vici' failed: No such file",
];

// parse-list-sas.ts is treated as a black box here: its owner rewrites it for linear time.
describe('parseListSas / ipsecSaPaths', () => {
  const check = (output: string) => {
    const parsed = parseListSas(output);
    if (parsed.ok) for (const sa of parsed.sas) expect(typeof sa.state).toBe('string');
    for (const path of ipsecSaPaths(CTX, { exitCode: 0, output }, null)) expectValidPath(path);
  };
  forEachInput(
    'swanctl',
    {
      random: (f) => f.junk(400),
      soup: (f) => f.soup(SWANCTL_TOKENS, 60),
      mutated: (f) => f.mutate(f.pick(SWANCTL_SAMPLES)),
    },
    check,
  );

  // The issue's case: `(\S+) \{` scanning a long run of non-space text from every offset took ~80 s
  // on the old parser; the linear one returns at once.
  it('a 200 KB child-sas run without spaces returns', () => {
    check(`list-sa event {x {state=ESTABLISHED child-sas {${'x'.repeat(200_000)}}}}\nlist-sas reply {}\n`);
  });

  it('crafted 200 KB lines return (a quadratic parser takes minutes here)', () => {
    for (const output of [
      `list-sa event {${'a {'.repeat(70_000)}`,
      `list-sa event {x {state=ESTABLISHED child-sas {${'c {'.repeat(70_000)}}}}\nlist-sas reply {}\n`,
      `list-sa event {${'x'.repeat(200_000)}`,
    ])
      check(output);
  });

  // parseListSas reads each line as it is scanned, without a tree. The tree reader it replaced is the
  // reference: on every input both give the same SAs, or both refuse, with the same reason.
  describe('parseListSas against the tree reader it replaced', () => {
    const reference = (output: string) => {
      const parsed = parseViciDump(
        output,
        {
          event: 'list-sa event {',
          reply: 'list-sas reply',
          command: '--list-sas',
          max: 4096,
          counted: 'IKE SAs',
        },
        (line): IkeSaEntry | string => {
          const tree = parseViciLine(line);
          const named = tree.ok ? tree.section.sections[0] : undefined;
          if (!named || line.charCodeAt('list-sa event {'.length) === 32) return 'unexpected list-sa event';
          const [name, ike] = named;
          const state = ike.values.get('state');
          if (!state) return `IKE SA ${name.slice(0, 64)} has no state`;
          const childSas = ike.sections.find(([n]) => n === 'child-sas')?.[1];
          if (!childSas) return 'unexpected list-sa event';
          const entry: IkeSaEntry = {
            name,
            state,
            remoteHost: ike.values.get('remote-host') ?? null,
            children: childSas.sections.map(([key, c]) => referenceChild(key, c)),
          };
          const established = counter(ike, 'established');
          if (established !== undefined) entry.establishedSec = established;
          const rekey = counter(ike, 'rekey-time');
          if (rekey !== undefined) entry.rekeySec = rekey;
          return entry;
        },
      );
      return parsed.ok ? { ok: true, sas: parsed.entries } : parsed;
    };
    const referenceChild = (key: string, c: ViciSection) => {
      const spi = (v: string | undefined) => (v && /^[0-9a-f]{1,16}$/i.test(v) ? v.toLowerCase() : undefined);
      const child: Record<string, unknown> = {
        name: c.values.get('name') ?? key,
        state: c.values.get('state') ?? 'UNKNOWN',
        remoteTs: c.lists.get('remote-ts') ?? [],
        spiIn: spi(c.values.get('spi-in')),
        spiOut: spi(c.values.get('spi-out')),
        bytesIn: counter(c, 'bytes-in'),
        bytesOut: counter(c, 'bytes-out'),
        packetsIn: counter(c, 'packets-in'),
        packetsOut: counter(c, 'packets-out'),
        installSec: counter(c, 'install-time'),
      };
      for (const k of Object.keys(child)) if (child[k] === undefined) delete child[k];
      return child as unknown as ChildSaEntry;
    };
    // The reader's own edge cases: a second top section, a second child-sas, sections deeper than a
    // child, values beside sections, keys given twice.
    const tokens = [
      ...SWANCTL_TOKENS,
      'other {',
      'child-sas {',
      'c-1 {',
      'deeper {',
      'name=tw-c',
      'state=REKEYING',
      'spi-in=C1D2',
      'spi-out=zz',
      'packets-in=5',
      'packets-out=7',
      'install-time=30',
      'rekey-time=99',
      'remote-ts=[100.64.3.0/24 100.64.4.0/24]',
      '}}',
      '}}}}',
    ];
    // Mostly what an SA line needs (a state, a child-sas with children), amid random shape.
    const structured = (f: Fuzz) =>
      randomEventLines(f, {
        event: 'list-sa event',
        reply: 'list-sas reply',
        group: 'child-sas',
        sections: ['child-sas', 'child-sas', 'c-1', 'c-2', 'deeper', 'other'],
        items: tokens.filter((t) => t.includes('=') && !t.includes('{')),
        entryItems: ['state=ESTABLISHED'],
      });
    forEachInput(
      'swanctl, both readers',
      {
        structured,
        soup: (f) => `list-sa event {${f.soup(tokens, 40)}\nlist-sas reply {}\n`,
        mutated: (f) => f.mutate(f.pick(SWANCTL_SAMPLES)),
      },
      (output) => expect(parseListSas(output)).toEqual(reference(output)),
    );

    it('the samples and a line with every edge case read alike', () => {
      for (const sample of SWANCTL_SAMPLES) expect(parseListSas(sample)).toEqual(reference(sample));
      const edgy =
        'list-sa event {tw-h2 {state=CONNECTING x=1 other {state=NO} child-sas {c-1 {name=a state=INSTALLED deeper {state=NO name=no} spi-in=AB} c-2 {packets-in=3 packets-in=4}} child-sas {c-3 {}} state=ESTABLISHED remote-host=198.18.0.2} two {child-sas {c {}}}}\nlist-sas reply {}\n';
      const parsed = parseListSas(edgy);
      expect(parsed).toEqual(reference(edgy));
      expect(parsed).toMatchObject({
        ok: true,
        sas: [
          {
            name: 'tw-h2',
            state: 'ESTABLISHED',
            remoteHost: '198.18.0.2',
            children: [
              { name: 'a', state: 'INSTALLED', spiIn: 'ab' },
              { name: 'c-2', packetsIn: 4 },
            ],
          },
        ],
      });
    });
  });
});

const CONNS_TOKENS = [
  'list-conn event {',
  'list-conns reply {}',
  'child-198.18.0.12 {',
  'remote_addrs=[198.18.0.12]',
  'remote_addrs=[',
  'children {',
  'remote-ts=[100.64.202.0/24 100.64.2.0/24]',
  'remote_ts=[100.64.202.0/24]',
  'local_addrs=[%any]',
  ']',
  '}',
  '{',
];

describe('parseListConns and the SA paths that use it, with a second SA read', () => {
  const check = (output: string) => {
    const parsed = parseListConns(output);
    if (parsed.ok) {
      expect(parsed.conns.length).toBeLessThanOrEqual(4096);
      for (const c of parsed.conns) {
        expect(Array.isArray(c.remoteAddrs) && Array.isArray(c.remoteTs)).toBe(true);
        for (const v of [...c.remoteAddrs, ...c.remoteTs]) expect(typeof v).toBe('string');
      }
    } else expect(parsed.reason.length).toBeGreaterThan(0);
    // The same garbage as the connections list, and as the SA read after the burst, beside a real SA read.
    const sas = { exitCode: 0, output: SWANCTL_SAMPLES[1]! };
    const garbage = { exitCode: 0, output };
    for (const path of ipsecSaPaths(CTX, sas, null, garbage, garbage)) expectValidPath(path);
  };
  forEachInput(
    'list-conns',
    {
      random: (f) => f.junk(400),
      soup: (f) => f.soup(CONNS_TOKENS, 60),
      mutated: (f) => f.mutate(f.pick(SWANCTL_SAMPLES)),
    },
    check,
  );

  // parseListConns reads each line as it is scanned, without a tree. The tree reader it replaced is
  // the reference: on every input both give the same connections, or both refuse, with the same reason.
  describe('parseListConns against the tree reader it replaced', () => {
    const reference = (output: string) => {
      const parsed = parseViciDump(
        output,
        {
          event: 'list-conn event {',
          reply: 'list-conns reply',
          command: '--list-conns',
          max: 4096,
          counted: 'connections',
        },
        (line): ConnEntry | string => {
          const named = eventSection(line);
          if (!named) return 'unexpected list-conn event';
          const [name, conn] = named;
          const children = conn.sections.find(([n]) => n === 'children')?.[1]?.sections ?? [];
          return {
            name,
            remoteAddrs: conn.lists.get('remote_addrs') ?? [],
            remoteTs: children.flatMap(([, c]) => c.lists.get('remote-ts') ?? c.lists.get('remote_ts') ?? []),
          };
        },
      );
      return parsed.ok ? { ok: true, conns: parsed.entries } : parsed;
    };
    // The reader's own edge cases: a second top section, a second children, sections deeper than a
    // child, a selector list under either spelling or both, keys given twice, values of list keys.
    const items = [
      'remote_addrs=[198.18.0.12]',
      'remote_addrs=[198.18.0.13 198.18.0.14]',
      'remote_addrs=198.18.0.15',
      'remote-ts=[100.64.2.0/24]',
      'remote-ts=[100.64.3.0/24 100.64.4.0/24]',
      'remote-ts=[]',
      'remote_ts=[100.64.5.0/24]',
      'remote-ts=100.64.6.0/24',
      'local_addrs=[%any]',
      'mode=TUNNEL',
    ];
    const structured = (f: Fuzz) =>
      randomEventLines(f, {
        event: 'list-conn event',
        reply: 'list-conns reply',
        group: 'children',
        sections: ['children', 'children', 'c-1', 'c-2', 'local-1', 'deeper'],
        items,
        entryItems: [],
      });
    forEachInput(
      'list-conns, both readers',
      {
        structured,
        soup: (f) =>
          `list-conn event {${f.soup([...CONNS_TOKENS, ...items, 'c-1 {', 'deeper {', '}}'], 40)}\nlist-conns reply {}\n`,
        mutated: (f) => f.mutate(f.pick(SWANCTL_SAMPLES)),
      },
      (output) => expect(parseListConns(output)).toEqual(reference(output)),
    );

    it('the samples and a line with every edge case read alike', () => {
      for (const sample of SWANCTL_SAMPLES) expect(parseListConns(sample)).toEqual(reference(sample));
      const edgy =
        'list-conn event {tw-h2 {remote_addrs=[198.18.0.1] local-1 {remote_addrs=[no]} children {c-1 {remote-ts=[100.64.2.0/24] deeper {remote-ts=[no]} remote_ts=[no]} c-2 {remote_ts=[100.64.3.0/24]} c-3 {remote-ts=[] remote_ts=[no]}} children {c-4 {remote-ts=[no]}} remote_addrs=[198.18.0.2 198.18.0.3]} two {remote_addrs=[no] children {c {remote-ts=[no]}}}}\nlist-conns reply {}\n';
      const parsed = parseListConns(edgy);
      expect(parsed).toEqual(reference(edgy));
      expect(parsed).toEqual({
        ok: true,
        conns: [
          {
            name: 'tw-h2',
            remoteAddrs: ['198.18.0.2', '198.18.0.3'],
            remoteTs: ['100.64.2.0/24', '100.64.3.0/24'],
          },
        ],
      });
    });
  });

  it('crafted 200 KB lines return', () => {
    for (const output of [
      `list-conn event {${'a {'.repeat(70_000)}`,
      `list-conn event {c {remote_addrs=[${'1'.repeat(200_000)}] children {}}}\nlist-conns reply {}\n`,
      `list-conn event {c {children {x {remote-ts=[${' '.repeat(200_000)}]}}}}\n`,
    ])
      check(output);
  });
});

describe('the MTU ladder: every rung fed host output', () => {
  const jobs = mtuLadderProbe.jobs(CTX);
  const check = (output: string) => {
    // One rung garbage, the others too: the path is a valid measurement or unknown with a reason.
    for (const garbled of [jobs.slice(0, 1), jobs]) {
      const outputs = new Map(
        jobs.map((j) => [j.id, { exitCode: 0, output: garbled.includes(j) ? output : '' }]),
      );
      for (const path of mtuLadderProbe.parse(CTX, outputs, null)) {
        expectValidPath(path);
        if (path.mtu) {
          for (const rung of path.mtu.ladder) expect(rung.sent).toBeLessThanOrEqual(MTU_PINGS_PER_RUNG);
          if (path.mtu.pmtu !== null) expect(path.mtu.ladder.map((r) => r.bytes)).toContain(path.mtu.pmtu);
        }
      }
    }
  };
  forEachInput(
    'mtu-ladder',
    {
      random: (f) => f.junk(400),
      soup: (f) => f.soup(PING_TOKENS, 40),
      mutated: (f) => f.mutate(f.pick(PING_SAMPLES)),
    },
    check,
  );
});

describe('discovery: labels, environment and `ip addr` from the host', () => {
  forEachInput(
    'overlay label',
    {
      random: (f) => f.junk(40),
      soup: (f) => f.soup(['10', '42', '.', '/', '16', '255', '256', '007', ' '], 12),
    },
    (label) => {
      const parsed = parseOverlayLabel(label);
      if (parsed) {
        expect(parseIpv4(parsed.ip)).toBe(parsed.ip);
        expect(Number.isInteger(parsed.prefix) && parsed.prefix >= 1 && parsed.prefix <= 32).toBe(true);
      }
    },
  );
  forEachInput(
    'ip addr',
    {
      random: (f) => f.junk(400),
      soup: (f) =>
        f.soup(['2:', 'eth0', '@if9', 'inet', '100.64.2.2/16', 'lo', 'brd', 'scope global', '\\', '@'], 40),
    },
    (out) => {
      const picked = pickOverlayIp(out, ['172.17.0.2']);
      if (picked !== null) expect(parseIpv4(picked)).toBe(picked);
    },
  );

  it('a 200 KB `ip addr` line of "@" returns (the old pattern backtracked quadratically)', () => {
    expect(pickOverlayIp(`1: ${'@'.repeat(200_000)}`, [])).toBeNull();
    expect(pickOverlayIp(`2: eth0${'@x'.repeat(100_000)}`, [])).toBeNull();
  });

  it(`random container labels and environments become findings, never throws (seed ${FUZZ_SEED})`, async () => {
    const f = fuzz(FUZZ_SEED ^ hash('discovery'));
    const selector: AgentSelector = {
      selectorLabel: 'io.rancher.container.system=NetworkAgent',
      overlayIpLabel: 'io.rancher.container.ip',
      advertisedIpEnv: 'CATTLE_AGENT_IP',
      preset: 'auto',
    };
    const hostConfig: HostConfig = {
      name: host('h1'),
      underlayIp: ip('198.18.0.11'),
      docker: { scheme: 'unix', socketPath: '/run/h1.sock' },
    };
    for (let i = 0; i < FUZZ_ITERATIONS; i++) {
      const label = f.pick([
        f.junk(30),
        `100.64.${f.int(300)}.${f.int(300)}/${f.int(40)}`,
        'x'.repeat(100_000),
      ]);
      const env = [
        'PATH=/bin',
        `CATTLE_AGENT_IP=${f.pick([f.junk(20), `198.18.0.${f.int(300)}`, ` ${'1'.repeat(100_000)}`])}`,
      ];
      const ipAddr: ExecResult = {
        exitCode: 0,
        stdout: f.soup(['2: eth0', 'inet', '100.64.9.2/16', '@'], 20),
        stderr: '',
      };
      const withLabel = f.int(2) === 0;
      const client = fakeHost({
        labels: withLabel ? { 'io.rancher.container.ip': label } : {},
        env,
        ipAddr,
        names: [f.junk(40)],
      });
      const result: HostResult = await discoverHost(hostConfig, client, selector, { deadlineMs: 500 });
      expect(['up', 'down', 'unknown']).toContain(result.state);
      if (result.agent) expect(parseIpv4(result.agent.overlayIp)).toBe(result.agent.overlayIp);
      if (result.agent?.advertisedIp)
        expect(parseIpv4(result.agent.advertisedIp)).toBe(result.agent.advertisedIp);
      if (result.state === 'unknown') expect(result.error).toBeTruthy();
    }
  });
});

function fakeHost(c: {
  labels: Record<string, string>;
  env: string[];
  ipAddr: ExecResult;
  names: string[];
}): DockerHostClient {
  return {
    async listContainers(): Promise<ContainerSummary[]> {
      return [
        { id: 'a1', names: c.names, image: 'agent', state: 'running', labels: c.labels, dockerIps: [] },
      ];
    },
    async inspectContainer(id: string): Promise<ContainerDetails> {
      return { id, name: 'agent', running: true, labels: c.labels, env: c.env };
    },
    async exec(): Promise<ExecResult> {
      return c.ipAddr;
    },
    async startCarrier(): Promise<string> {
      throw new Error('not used');
    },
    async removeContainer() {},
    async ensureImage() {},
    async putArchive() {},
    async close() {},
  } as DockerHostClient;
}
