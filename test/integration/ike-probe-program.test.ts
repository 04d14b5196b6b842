import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostName } from '../../shared/domain/host-name.js';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import type { PathResult } from '../../shared/domain/sweep-report.js';
import type { AgentProbeContext } from '../../shared/probes/agent-probe.js';
import { DEFAULT_IKE_PROBE_IMAGE, ikeAgentProbe } from '../../shared/probes/ike/ike-agent-probe.js';
import { ikeProbeProgram } from '../../shared/probes/ike/ike-probe-image.js';
import {
  buildIkeSaInitRequest,
  ikeSaInitRequestTemplate,
} from '../../shared/probes/ike/ike-sa-init-request.js';
import { localIkeCarrier } from '../support/local-ike-carrier.js';

// The committed probe program (the whole sidecar image) run on this machine, against UDP
// responders on loopback addresses of 127.1.16.0/24 that replay charon's recorded answers
// (test/fixtures/ike/), stay silent, send garbage or too much, or are absent (ICMP port unreachable).
// It runs as the sidecar would: argv from ikeAgentProbe, stdout parsed by ikeAgentProbe.

const dir = mkdtempSync(join(tmpdir(), 'tw-ike-program-'));
const program = join(dir, 'ike-probe');
const fixture = (name: string) =>
  Buffer.from(readFileSync(new URL(`../fixtures/ike/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex');
const MARKER = Buffer.alloc(4);
/** The request ikeAgentProbe stamps every probe from (a 32-byte nonce). */
const TEMPLATE = ikeSaInitRequestTemplate({ nonceLength: 32 });

interface Run {
  code: number | null;
  stdout: string;
}
function runProgram(args: string[], deadlineMs = 10_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('latin1');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ike-probe ran past ${deadlineMs} ms`));
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** What each loopback responder does with a request: answer (given the request) or stay silent. */
type Behaviour = (request: Buffer) => Buffer | null;

/** Charon's recorded reply with our initiator SPI put in, as charon would echo it. */
const replay =
  (reply: Buffer) =>
  (request: Buffer): Buffer => {
    const hasMarker = request.subarray(0, 4).equals(MARKER);
    const spi = request.subarray(hasMarker ? 4 : 0, (hasMarker ? 4 : 0) + 8);
    const out = Buffer.from(reply);
    spi.copy(out, out.subarray(0, 4).equals(MARKER) ? 4 : 0);
    return out;
  };

const responders: Socket[] = [];
const received: Array<{ address: string; port: number; bytes: Buffer }> = [];
let holdUntil = 0;
let answering = 0;
let held: Array<() => void> = [];

async function respond(address: string, port: number, behaviour: Behaviour): Promise<void> {
  const socket = createSocket('udp4');
  responders.push(socket);
  socket.on('message', (msg, rinfo) => {
    received.push({ address, port, bytes: Buffer.from(msg) });
    const answer = behaviour(msg);
    if (!answer) return;
    answering++;
    const send = () => socket.send(answer, rinfo.port, rinfo.address);
    // While holding, answers wait until every answering responder has its request: a program that
    // waited for one reply before sending the next request would time out.
    if (answering < holdUntil) held.push(send);
    else {
      for (const h of held) h();
      held = [];
      send();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (e) =>
      reject(new Error(`cannot bind ${address}:${port} (needs root and a free port): ${e.message}`)),
    );
    socket.bind(port, address, () => resolve());
  });
}

beforeAll(async () => {
  writeFileSync(program, ikeProbeProgram());
  chmodSync(program, 0o755);
  const invalidKe = fixture('udp500-invalid-ke.reply');
  const invalidKe4500 = fixture('udp4500-invalid-ke.reply');
  await respond('127.1.16.2', 500, replay(invalidKe));
  await respond('127.1.16.2', 4500, replay(invalidKe4500));
  // 127.1.16.3: nothing listens, the kernel answers ICMP port unreachable.
  await respond('127.1.16.4', 500, () => null);
  await respond('127.1.16.4', 4500, () => null);
  await respond('127.1.16.5', 500, () => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await respond('127.1.16.5', 4500, (req) =>
    Buffer.concat([replay(invalidKe4500)(req), Buffer.alloc(60_000, 0xee)]),
  );
  await respond('127.1.16.6', 500, replay(fixture('udp500-cookie.reply')));
  await respond('127.1.16.6', 4500, (req) =>
    Buffer.concat([MARKER, replay(fixture('udp500-no-proposal-chosen.reply'))(req.subarray(4))]),
  );
  await respond('127.1.16.7', 500, () => Buffer.alloc(0));
  await respond('127.1.16.7', 4500, replay(fixture('udp500-ike-sa-init.reply')));
});
afterAll(() => {
  for (const s of responders) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the probe's argv with the program on this machine instead of in a carrier container. */
const localSidecar = localIkeCarrier(async (args, deadlineMs) => {
  const r = await runProgram(args, deadlineMs);
  return { exitCode: r.code ?? -1, stdout: r.stdout, stderr: '' };
});

const ip = (s: string) => s as Ipv4;
const peer = (n: number) => ({
  name: `h${n}` as HostName,
  underlayIp: ip(`127.1.16.${n}`),
  overlayIp: ip(`100.64.${n}.2`),
});

describe('the IKE probe program, driven by ikeAgentProbe', () => {
  let paths: PathResult[];
  beforeAll(async () => {
    received.length = 0;
    // h2, h5, h6, h7 answer on both ports: hold the first 7 answers until the 8th request is in.
    answering = 0;
    holdUntil = 8;
    const ctx: AgentProbeContext = {
      self: 'h1' as HostName,
      agent: { containerId: 'agent-h1', overlayIp: ip('100.64.1.2') },
      peers: [2, 3, 4, 5, 6, 7].map(peer),
      timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1500 },
    };
    paths = await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(ctx, localSidecar, new AbortController().signal);
    holdUntil = 0;
  });
  const brief = (to: string, probe: string) => {
    const p = paths.find((x) => x.to === to && x.probe === probe)!;
    return [p.state, p.ike?.outcome ?? null, p.ike?.response ?? null, p.sent, p.received];
  };

  it('sends every request at once, each as exactly the datagram built in TypeScript', () => {
    const answering = received.filter((r) => !r.address.endsWith('.4'));
    expect(answering).toHaveLength(8);
    expect(received.filter((r) => r.address === '127.1.16.4')).toHaveLength(2);
    for (const r of received) {
      // IKE_SA_INIT: our header, exchange 34, initiator flag; on 4500 the non-ESP marker first.
      const ike = r.port === 4500 ? r.bytes.subarray(4) : r.bytes;
      if (r.port === 4500) expect(r.bytes.subarray(0, 4)).toEqual(MARKER);
      expect([ike[17], ike[18], ike[19]]).toEqual([0x20, 34, 0x08]);
      expect(ike.readUInt32BE(24)).toBe(ike.length);
      // The template, stamped: only the SPI (first 8 bytes) and the nonce (last 32) are the probe's own.
      expect(ike.subarray(8, -32)).toEqual(Buffer.from(TEMPLATE.subarray(8, -32)));
    }
    const ikeOf = (r: { port: number; bytes: Buffer }) => (r.port === 4500 ? r.bytes.subarray(4) : r.bytes);
    expect(new Set(received.map((r) => ikeOf(r).subarray(0, 8).toString('hex'))).size).toBe(received.length);
    expect(new Set(received.map((r) => ikeOf(r).subarray(-32).toString('hex'))).size).toBe(received.length);
  });

  it('reads charon’s recorded answers as up, on both ports', () => {
    expect(brief('h2', 'ike-udp500')).toEqual(['up', 'answered', 'INVALID_KE_PAYLOAD', 1, 1]);
    expect(brief('h2', 'ike-udp4500')).toEqual(['up', 'answered', 'INVALID_KE_PAYLOAD', 1, 1]);
    expect(brief('h6', 'ike-udp500')).toEqual(['up', 'answered', 'COOKIE', 1, 1]);
    expect(brief('h6', 'ike-udp4500')).toEqual(['up', 'answered', 'NO_PROPOSAL_CHOSEN', 1, 1]);
    expect(brief('h7', 'ike-udp4500')).toEqual(['up', 'answered', 'IKE_SA_INIT', 1, 1]);
    const rtt = paths.find((p) => p.to === 'h2' && p.probe === 'ike-udp500')!.rttMs;
    expect(rtt?.min).toBeGreaterThan(0);
  });

  it('reads ICMP port unreachable as refused and silence as timeout', () => {
    expect(brief('h3', 'ike-udp500')).toEqual(['down', 'refused', null, 1, 0]);
    expect(brief('h3', 'ike-udp4500')).toEqual(['down', 'refused', null, 1, 0]);
    expect(brief('h4', 'ike-udp500')).toEqual(['down', 'timeout', null, 1, 0]);
    expect(brief('h4', 'ike-udp4500')).toEqual(['down', 'timeout', null, 1, 0]);
  });

  it('makes garbage and empty answers that host pair’s unknown, and reads past an oversized tail', () => {
    expect(brief('h5', 'ike-udp500')).toEqual(['unknown', 'error', null, 1, 0]);
    expect(paths.find((p) => p.to === 'h5' && p.probe === 'ike-udp500')!.error).toMatch(
      /UDP 500 answered, but not with IKE/,
    );
    expect(brief('h7', 'ike-udp500')).toEqual(['unknown', 'error', null, 1, 0]);
    // A real IKE answer followed by 60 KB of junk: the first 2048 bytes are kept and parsed.
    expect(brief('h5', 'ike-udp4500')).toEqual(['up', 'answered', 'INVALID_KE_PAYLOAD', 1, 1]);
  });
});

describe('the IKE probe program on its own', () => {
  const template = Buffer.from(TEMPLATE).toString('hex');
  // A stamp: an SPI and a 32-byte nonce.
  const spi = Buffer.from('0011223344556677', 'hex');
  const stamp = (nonceByte = 0x0a, nonceLength = 32) =>
    Buffer.concat([spi, Buffer.alloc(nonceLength, nonceByte)]).toString('hex');

  it('stamps each request: the template with the stamp’s SPI first and its nonce last, the marker first on 4500', async () => {
    received.length = 0;
    const nonce = Buffer.alloc(32, 0x0a);
    const r = await runProgram([
      '1000',
      template,
      'a',
      '127.1.16.2',
      '500',
      stamp(),
      'b',
      '127.1.16.2',
      '4500',
      stamp(),
    ]);
    expect(r.code).toBe(0);
    const built = Buffer.from(buildIkeSaInitRequest({ spi, nonce }));
    const byPort = new Map(received.map((x) => [x.port, x.bytes]));
    expect(byPort.get(500)).toEqual(built);
    expect(byPort.get(4500)).toEqual(Buffer.concat([MARKER, built]));
  });

  it('refuses a malformed wait before sending anything', async () => {
    for (const wait of ['', '0', '60001', '1.5', '100; id', '000001']) {
      received.length = 0;
      const r = await runProgram([wait, template, 'p0-500', '127.1.16.2', '500', stamp()]);
      expect(r, wait).toEqual({ code: 2, stdout: '- error bad-timeout\n' });
    }
    expect(received).toEqual([]);
  });

  it('refuses a malformed or missing template before sending anything', async () => {
    const shortest = 'aa'.repeat(44);
    for (const bad of [
      '',
      'aa'.repeat(43),
      'aa'.repeat(2049),
      `${shortest}a`,
      shortest.toUpperCase(),
      `${shortest};x`,
    ]) {
      received.length = 0;
      const r = await runProgram(['100', bad, 'p0-500', '127.1.16.2', '500', stamp()]);
      expect(r, bad).toEqual({ code: 2, stdout: '- error bad-template\n' });
    }
    expect(await runProgram(['100'])).toEqual({ code: 2, stdout: '- error bad-template\n' });
    // The shortest template takes a 16-byte nonce, no longer: it must not reach into the header.
    received.length = 0;
    const r = await runProgram([
      '100',
      shortest,
      'a',
      '127.1.16.2',
      '500',
      stamp(0x0a, 16),
      'b',
      '127.1.16.2',
      '500',
      stamp(0x0a, 17),
    ]);
    expect(r.stdout).toContain('b error bad-stamp\n');
    expect(received.map((x) => x.bytes)).toEqual([
      Buffer.concat([spi, Buffer.alloc(44 - 8 - 16, 0xaa), Buffer.alloc(16, 0x0a)]),
    ]);
  });

  it.each([
    [['p0-500', '127.1.16.2;id', '500', 'STAMP'], 'p0-500 error bad-ip'],
    [['p0-500', '127.1.16.256', '500', 'STAMP'], 'p0-500 error bad-ip'],
    [['p0-500', '127.1.16', '500', 'STAMP'], 'p0-500 error bad-ip'],
    [['p0-500', '127.1.16.2', '22', 'STAMP'], 'p0-500 error bad-port'],
    [['p0-500', '127.1.16.2', '5000', 'STAMP'], 'p0-500 error bad-port'],
    [['p0-500', '127.1.16.2', '500', 'aa$(id)'], 'p0-500 error bad-stamp'],
    [['p0-500', '127.1.16.2', '500', 'aab'], 'p0-500 error bad-stamp'],
    [['p0-500', '127.1.16.2', '500', 'AA'.repeat(40)], 'p0-500 error bad-stamp'],
    [['p0-500', '127.1.16.2', '500', 'aa'.repeat(23)], 'p0-500 error bad-stamp'],
    [['p0-500', '127.1.16.2', '500', 'aa'.repeat(TEMPLATE.length - 28 + 9)], 'p0-500 error bad-stamp'],
    [['p0-500', '127.1.16.2', '500', 'aa'.repeat(2049)], 'p0-500 error bad-stamp'],
    [['P0;x', '127.1.16.2', '500', 'STAMP'], '- error bad-id'],
    [['p'.repeat(33), '127.1.16.2', '500', 'STAMP'], '- error bad-id'],
    [['p0-500', '127.1.16.2', '500'], '- error bad-args'],
  ])('re-checks every target (%j) and sends nothing for a bad one', async (target, line) => {
    received.length = 0;
    const r = await runProgram(['100', template, ...target.map((a) => (a === 'STAMP' ? stamp() : a))]);
    expect(r).toEqual({ code: 0, stdout: `${line}\n- end\n` });
    expect(received).toEqual([]);
  });

  it('sends each request as ONE datagram, newline bytes and all, and bounds what it prints', async () => {
    received.length = 0;
    // The longest template: 2048 bytes of newlines, and on 4500 the marker before it.
    const big = Buffer.alloc(2048, 0x0a);
    const r = await runProgram(['1000', big.toString('hex'), 'a', '127.1.16.5', '4500', stamp()]);
    expect(received.map((x) => x.bytes)).toEqual([Buffer.concat([MARKER, spi, big.subarray(8)])]);
    // The 60 KB answer is cut to 2048 bytes of hex on one line.
    const [first, end, ...more] = r.stdout.split('\n');
    const [id, outcome, rtt, hex, ...rest] = first!.split(' ');
    expect([id, outcome, rest]).toEqual(['a', 'answered', []]);
    expect(rtt).toMatch(/^\d+$/);
    expect(hex).toHaveLength(4096);
    expect([end, ...more]).toEqual(['- end', '']);
  });

  it('prints one line per target, each when its outcome is known', async () => {
    const r = await runProgram([
      '300',
      template,
      ...['a', '127.1.16.2', '500', stamp()],
      ...['b', '127.1.16.3', '500', stamp()],
      ...['c', '127.1.16.4', '500', stamp()],
    ]);
    const lines = r.stdout.trim().split('\n');
    // Last comes the end line, which tells the caller the run is complete without an exit status.
    expect(lines.pop()).toBe('- end');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' ')).sort()).toEqual([
      'a answered',
      'b refused',
      'c timeout',
    ]);
    // The timeout comes last: the others did not wait for it.
    expect(lines.at(-1)).toBe('c timeout');
  });

  it('--carry NAME names itself NAME and sleeps until killed; a bad name exits 2 at once', async () => {
    const child = spawn(program, ['--carry', 'tunnelwatch-ike'], { stdio: 'ignore' });
    try {
      let comm = '';
      for (let i = 0; i < 50 && comm !== 'tunnelwatch-ike'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        comm = readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim();
      }
      expect(comm).toBe('tunnelwatch-ike');
      await new Promise((r) => setTimeout(r, 200));
      expect(child.exitCode).toBeNull(); // still carrying
    } finally {
      child.kill('SIGTERM');
    }
    const [, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      child.on('exit', (code, sig) => r([code, sig])),
    );
    expect(signal).toBe('SIGTERM');
    for (const bad of ['Bad!', 'a'.repeat(16), '']) {
      const r = await runProgram(['--carry', bad]);
      expect(r, bad).toEqual({ code: 2, stdout: '- error bad-carrier-name\n' });
    }
  });
});
