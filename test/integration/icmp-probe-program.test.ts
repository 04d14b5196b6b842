import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBatchOutput } from '../../shared/probes/exec-batch.js';
import { ikeProbeProgram } from '../../shared/probes/ike/ike-probe-image.js';
import { parsePingOutput } from '../../shared/probes/ping/parse-ping-output.js';

// The committed probe program's `--icmp` mode (every ping of an exec batch from one process), run
// on this machine: on loopback, and in a private network namespace of its own (root only) where it
// can be made to use the unprivileged ping socket, meet a missing route, or lose every reply.
// Its output is read by the batch's parser and the ping parser, as in a sweep.

const dir = mkdtempSync(join(tmpdir(), 'tw-icmp-program-'));
const program = join(dir, 'probe');
const NONCE = '0123456789abcdef';
const isRoot = process.getuid?.() === 0;

interface Run {
  code: number | null;
  stdout: string;
}
function run(argv: string[], deadlineMs = 10_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('latin1');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv[0]} ran past ${deadlineMs} ms`));
    }, deadlineMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
}

/** The program in a fresh network namespace with only `lo` up; `setup` runs first, as root there. */
const inNamespace = (setup: string, args: string[], asUser = false) =>
  run([
    'unshare',
    '-n',
    'sh',
    '-c',
    `ip link set lo up && ${setup} && exec ${asUser ? 'setpriv --reuid=65534 --regid=65534 --clear-groups ' : ''}"$0" "$@"`,
    program,
    '--icmp',
    NONCE,
    ...args,
  ]);

beforeAll(() => {
  writeFileSync(program, ikeProbeProgram());
  chmodSync(program, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the probe program --icmp', () => {
  it('refuses a nonce that is not [a-z0-9]{1,64} before sending anything', async () => {
    for (const nonce of ['', 'ABC', 'a b', 'x'.repeat(65), '../x']) {
      const r = await run([program, '--icmp', nonce, 'a', '127.0.0.1', '56', '1', '0.2', '1']);
      expect(r, nonce).toEqual({ code: 2, stdout: '- error bad-nonce\n' });
    }
  });

  it('answers each target with a batch job block in BusyBox ping words, one per target', async () => {
    const r = await run([
      program,
      '--icmp',
      NONCE,
      ...['ov-0', '127.0.0.1', '56', '3', '0.2', '1'],
      ...['mtu-0-1400', '127.0.0.2', '1372', '2', '0.2', '1'],
    ]);
    expect(r.code).toBe(0);
    const blocks = parseBatchOutput(r.stdout, NONCE);
    expect([...blocks.keys()].sort()).toEqual(['mtu-0-1400', 'ov-0']);
    expect(blocks.get('ov-0')!.exitCode).toBe(0);
    const ov = parsePingOutput(blocks.get('ov-0')!.output, 3);
    expect(ov).toMatchObject({ ok: true, sent: 3, received: 3, lossRatio: 0, errors: [] });
    expect(ov.ok && ov.samplesMs).toHaveLength(3);
    expect(blocks.get('mtu-0-1400')!.output).toMatch(
      /^PING 127\.0\.0\.2 \(127\.0\.0\.2\): 1372 data bytes\n1380 bytes from/,
    );
    expect(parsePingOutput(blocks.get('mtu-0-1400')!.output, 2)).toMatchObject({
      ok: true,
      sent: 2,
      received: 2,
    });
  });

  it('refuses each malformed target on its own line, sends nothing for it, and measures the rest', async () => {
    const bad: [string, string, string, string, string][] = [
      ['127.0.0.256', '56', '1', '0.2', '1'],
      ['127.0.0.1', '15', '1', '0.2', '1'],
      ['127.0.0.1', '9001', '1', '0.2', '1'],
      ['127.0.0.1', '56', '0', '0.2', '1'],
      ['127.0.0.1', '56', '1000', '0.2', '1'],
      ['127.0.0.1', '56', '1', '0.2.', '1'],
      ['127.0.0.1', '56', '1', '100', '1'],
      ['127.0.0.1', '56', '1', '0.2', '0'],
      ['127.0.0.1', '56', '1', '0.2', '0.5'],
      ['127.0.0.1', ' 56', '1', '0.2', '1'],
    ];
    const r = await run([
      program,
      '--icmp',
      NONCE,
      ...bad.flatMap((fields, i) => [`bad-${i}`, ...fields]),
      ...['Bad-Id', '127.0.0.1', '56', '1', '0.2', '1'],
      ...['ok', '127.0.0.1', '56', '1', '0.2', '1'],
      ...['cut', '127.0.0.1'],
    ]);
    expect(r.code).toBe(0);
    expect([...parseBatchOutput(r.stdout, NONCE).keys()]).toEqual(['ok']);
    const lines = r.stdout.split('\n').filter((l) => !l.startsWith('@@tw-') && /error/.test(l));
    expect(lines).toEqual([
      ...bad.map((_, i) => `bad-${i} error bad-target`),
      '- error bad-id',
      '- error bad-args',
    ]);
  });

  describe.skipIf(!isRoot)('in a network namespace of its own (root)', () => {
    const open = 'echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range';
    const closed = 'echo "1 0" >/proc/sys/net/ipv4/ping_group_range';

    it('pings without privileges through the unprivileged ping socket where the group range allows', async () => {
      const r = await inNamespace(open, ['a', '127.0.0.1', '56', '2', '0.2', '1'], true);
      expect(parsePingOutput(parseBatchOutput(r.stdout, NONCE).get('a')!.output, 2)).toMatchObject({
        ok: true,
        received: 2,
      });
    });

    it('says why when neither a ping socket nor a raw one may be opened: unknown, not down', async () => {
      const r = await inNamespace(closed, ['a', '127.0.0.1', '56', '2', '0.2', '1'], true);
      const parsed = parsePingOutput(parseBatchOutput(r.stdout, NONCE).get('a')!.output, 2);
      expect(parsed).toEqual({
        ok: false,
        reason: 'no ping statistics in the output: socket: Operation not permitted',
        unreachable: false,
      });
    });

    it('reports a target without a route as ping does (unreachable: down), and waits out lost replies', async () => {
      const r = await inNamespace(
        `${closed} && iptables -A INPUT -s 127.0.0.5 -p icmp --icmp-type echo-reply -j DROP`,
        [...['u', '100.64.200.1', '56', '3', '0.2', '1'], ...['lost', '127.0.0.5', '56', '2', '0.2', '1']],
      );
      const blocks = parseBatchOutput(r.stdout, NONCE);
      expect(parsePingOutput(blocks.get('u')!.output, 3)).toEqual({
        ok: false,
        reason: 'Network is unreachable',
        unreachable: true,
      });
      expect(parsePingOutput(blocks.get('lost')!.output, 2)).toMatchObject({
        ok: true,
        sent: 2,
        received: 0,
        rttMs: null,
      });
    });
  });
});
