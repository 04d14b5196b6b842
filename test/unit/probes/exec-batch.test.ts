import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import type { ExecJob } from '../../../shared/probes/agent-probe.js';
import {
  BATCH_SCRIPT,
  batchArgv,
  orderJobs,
  parseBatchOutput,
  rejectJob,
  runExecBatch,
} from '../../../shared/probes/exec-batch.js';
import { IKE_PROBE_HASH, rememberHome } from '../../../shared/probes/ike/ike-agent-copy.js';
import { ikeProbeProgram } from '../../../shared/probes/ike/ike-probe-image.js';
import { parsePingOutput } from '../../../shared/probes/ping/parse-ping-output.js';
import { type ExecOptions, TransportError } from '../../../shared/transport/docker-host-client.js';
import { LocalShellClient, SilentClient } from '../../support/local-shell-client.js';

const ping = (id: string, ip: string, count = '2'): ExecJob => ({
  id,
  op: 'ping',
  args: [count, '0.2', '1', ip],
});

describe('job validation', () => {
  it.each([
    [{ id: 'ov-0', op: 'ping', args: ['3', '0.2', '1', '127.0.0.1'] }, null],
    [{ id: 'sa', op: 'ipsec-sas', args: [] }, null],
    [{ id: 'Bad ID', op: 'ping', args: ['3', '0.2', '1', '127.0.0.1'] }, 'is not [a-z0-9-]+'],
    [
      { id: 'x', op: 'ping', args: ['3', '0.2', '1', '127.0.0.1; reboot'] },
      'argument 4 of ping is not valid',
    ],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '1', '$(reboot)'] }, 'argument 4 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['-f', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '1'] }, 'ping takes 4 arguments'],
    [{ id: 'x', op: 'ipsec-sas', args: ['--uri'] }, 'ipsec-sas takes 0 arguments'],
    [{ id: 'x', op: 'rm', args: [] }, 'unknown op'],
    // Each check is anchored at both ends: trailing junk never reaches ping's argv.
    [
      { id: 'x', op: 'ping', args: ['3; reboot', '0.2', '1', '127.0.0.1'] },
      'argument 1 of ping is not valid',
    ],
    [{ id: 'x', op: 'ping', args: ['x3', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['0', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['1000', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    // The batch applies the config's own limits (shared/config/ping-limits.ts): count 1..100.
    [{ id: 'x', op: 'ping', args: ['100', '0.2', '1', '127.0.0.1'] }, null],
    [{ id: 'x', op: 'ping', args: ['101', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['999', '0.2', '1', '127.0.0.1'] }, 'argument 1 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2 -f', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '-0.2', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2345', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '100', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '10', '1', '127.0.0.1'] }, null],
    // Interval 0.2..10 s with at most 3 decimals, as the config accepts.
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '1', '127.0.0.1'] }, null],
    [{ id: 'x', op: 'ping', args: ['3', '0.333', '1', '127.0.0.1'] }, null],
    [{ id: 'x', op: 'ping', args: ['3', '0.005', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '10.5', '1', '127.0.0.1'] }, 'argument 2 of ping is not valid'],
    // Timeout: 1..30 s as in the config, never 0 (ping would wait forever).
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '0', '127.0.0.1'] }, 'argument 3 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '999', '127.0.0.1'] }, 'argument 3 of ping is not valid'],
    [
      { id: 'x', op: 'ping', args: ['3', '0.2', '1; reboot', '127.0.0.1'] },
      'argument 3 of ping is not valid',
    ],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', 'x1', '127.0.0.1'] }, 'argument 3 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '30', '127.0.0.1'] }, null],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '31', '127.0.0.1'] }, 'argument 3 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '99', '127.0.0.1'] }, 'argument 3 of ping is not valid'],
    [{ id: 'x', op: 'ping', args: ['3', '0.2', '1', '127.000.0.1'] }, 'argument 4 of ping is not valid'],
    [{ id: 'ov-0; reboot', op: 'ping', args: ['3', '0.2', '1', '127.0.0.1'] }, 'is not [a-z0-9-]+'],
    [{ id: 'a'.repeat(64), op: 'ipsec-sas', args: [] }, null],
    [{ id: 'a'.repeat(65), op: 'ipsec-sas', args: [] }, 'is not [a-z0-9-]+'],
    [{ id: '', op: 'ipsec-sas', args: [] }, 'is not [a-z0-9-]+'],
  ] as [ExecJob, string | null][])('%j', (job, reason) => {
    const rejected = rejectJob(job);
    if (reason === null) expect(rejected).toBeNull();
    else expect(rejected).toContain(reason);
  });

  it('quotes at most 64 characters of a refused id, so host-sized garbage never floods a report', () => {
    expect(rejectJob({ id: `${'a'.repeat(64)}${'!'.repeat(10_000)}`, op: 'ipsec-sas', args: [] })).toBe(
      `job id "${'a'.repeat(64)}" is not [a-z0-9-]+`,
    );
  });

  it('passes job data as argv after a constant script', () => {
    const argv = batchArgv([ping('ov-0', '127.0.0.1')], 5, 'n0nce');
    expect(argv.slice(0, 3)).toEqual(['sh', '-c', BATCH_SCRIPT]);
    expect(argv.slice(3)).toEqual([
      'tunnelwatch-batch',
      'n0nce',
      '5',
      '-',
      'ov-0',
      'ping',
      '2',
      '0.2',
      '1',
      '127.0.0.1',
    ]);
  });

  it('names the probe program for the pings only by a 12-digit lower-case hash, else "-" (BusyBox ping)', () => {
    const hashArg = (hash: string | null) => batchArgv([ping('ov-0', '127.0.0.1')], 5, 'n0nce', hash)[6];
    expect(hashArg('0123456789ab')).toBe('0123456789ab');
    for (const hash of [
      null,
      'not-a-hash',
      '0123456789AB',
      '0123456789a',
      '0123456789abc',
      'x0123456789ab',
      '0123456789abx',
    ])
      expect(hashArg(hash), String(hash)).toBe('-');
  });
});

describe('parseBatchOutput', () => {
  it('keeps complete blocks, drops a block cut off mid-way and ignores forged markers', () => {
    const out = [
      '@@tw-abc job a 0',
      'line 1',
      '@@tw-xyz end a',
      '',
      '@@tw-abc end a',
      '@@tw-abc job b 143',
      'partial',
    ].join('\n');
    const parsed = parseBatchOutput(out, 'abc');
    expect([...parsed]).toEqual([['a', { exitCode: 0, output: 'line 1\n@@tw-xyz end a' }]]);
  });
});

describe('parseBatchOutput, line by line', () => {
  it('keeps CRLF output, an output that ends without a newline, empty outputs and exit codes', () => {
    const out = [
      '@@tw-n1 job a 0',
      'first',
      '',
      'third',
      '',
      '@@tw-n1 end a',
      '@@tw-n1 job b 127',
      '',
      '@@tw-n1 end b',
      'noise between blocks',
      '@@tw-n1 job c 1',
      'no newline before the marker',
      '@@tw-n1 end c',
    ].join('\r\n');
    expect(Object.fromEntries(parseBatchOutput(out, 'n1'))).toEqual({
      a: { exitCode: 0, output: 'first\n\nthird' },
      b: { exitCode: 127, output: '' },
      c: { exitCode: 1, output: 'no newline before the marker' },
    });
  });

  it('ignores a head line with trailing junk, another nonce or a non-numeric exit code', () => {
    const out = [
      '@@tw-n1 job a 0 x',
      '@@tw-n1 end a',
      'x@@tw-n1 job b 0',
      '@@tw-n1 end b',
      '@@tw-n2 job c 0',
      '@@tw-n2 end c',
      '@@tw-n1 job d zero',
      '@@tw-n1 end d',
    ].join('\n');
    expect(parseBatchOutput(out, 'n1').size).toBe(0);
  });

  it('stops at a block whose end marker never comes, keeping those before it', () => {
    const out = ['@@tw-n1 job a 0', 'ok', '@@tw-n1 end a', '@@tw-n1 job b 0', 'cut'].join('\n');
    expect([...parseBatchOutput(out, 'n1').keys()]).toEqual(['a']);
  });
});

describe('runExecBatch, failures as reasons', () => {
  /** An agent whose exec answers with a fixed result (and records the argv it got). */
  const answering = (result: { exitCode: number; stdout: string; stderr: string }) => {
    const client = new SilentClient();
    const calls: string[][] = [];
    client.exec = async (_id, argv) => {
      calls.push(argv);
      return result;
    };
    return { client, calls };
  };
  const job = ping('ov-0', '127.0.0.1');

  it.each([
    [127, 'sh: not found', 'the agent cannot run sh (exit 127: sh: not found)'],
    [126, '', 'the agent cannot run sh (exit 126)'],
    [125, 'mkdir: cannot create', 'the agent has no writable /tmp for the probe batch'],
    [137, 'line 1\nKilled  ', 'probe batch ended early (exit 137: Killed)'],
    [0, '', 'probe batch ended early (exit 0)'],
  ])('exit %i with %j → %s', async (exitCode, stderr, reason) => {
    const { client } = answering({ exitCode, stdout: '', stderr });
    expect(await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 })).toEqual({
      outputs: new Map(),
      failure: reason,
    });
  });

  it('quotes at most 200 characters of what the agent printed last', async () => {
    const { client } = answering({ exitCode: 2, stdout: '', stderr: 'y'.repeat(5000) });
    const { failure } = await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 });
    expect(failure).toBe(`probe batch ended early (exit 2: ${'y'.repeat(200)})`);
  });

  it('reports no failure when every job came back, even if the exec exit code is not 0', async () => {
    const { client, calls } = answering({ exitCode: 0, stdout: '', stderr: '' });
    client.exec = async (_id, argv) => {
      calls.push(argv);
      const nonce = argv[4]!;
      return { exitCode: 3, stdout: `@@tw-${nonce} job ov-0 0\nok\n@@tw-${nonce} end ov-0\n`, stderr: '' };
    };
    expect(await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 })).toEqual({
      outputs: new Map([['ov-0', { exitCode: 0, output: 'ok' }]]),
      failure: null,
    });
  });

  it('gives the in-agent watchdog one second less than the deadline, and at least one second', async () => {
    const budgets: string[] = [];
    for (const deadlineMs of [8_999, 2_000, 1_500, 200]) {
      const { client, calls } = answering({ exitCode: 0, stdout: '', stderr: '' });
      await runExecBatch(client, 'c0ffee', [job], { deadlineMs });
      budgets.push(calls[0]![5]!);
    }
    expect(budgets).toEqual(['7', '1', '1', '1']);
  });

  it('still names a refused job when the jobs that ran all came back', async () => {
    const { client } = answering({ exitCode: 0, stdout: '', stderr: '' });
    client.exec = async (_id, argv) => {
      const nonce = argv[4]!;
      return { exitCode: 0, stdout: `@@tw-${nonce} job ov-0 0\nok\n@@tw-${nonce} end ov-0\n`, stderr: '' };
    };
    const refused: ExecJob = { id: 'x', op: 'ping', args: ['3', '0.2', '0', '127.0.0.1'] };
    expect(await runExecBatch(client, 'c0ffee', [job, refused], { deadlineMs: 3000 })).toEqual({
      outputs: new Map([['ov-0', { exitCode: 0, output: 'ok' }]]),
      failure: 'job x: argument 3 of ping is not valid',
    });
  });

  it('sends nothing when every job is refused, and says why', async () => {
    const { client, calls } = answering({ exitCode: 0, stdout: '', stderr: '' });
    const result = await runExecBatch(
      client,
      'c0ffee',
      [{ id: 'x', op: 'ping', args: ['0', '0.2', '1', '127.0.0.1'] }],
      {
        deadlineMs: 3000,
      },
    );
    expect(calls).toEqual([]);
    expect(result).toEqual({ outputs: new Map(), failure: 'job x: argument 1 of ping is not valid' });
    expect(await runExecBatch(client, 'c0ffee', [], { deadlineMs: 3000 })).toEqual({
      outputs: new Map(),
      failure: null,
    });
  });

  it('turns an exec that throws something other than a transport error into a reason', async () => {
    const client = new SilentClient();
    client.exec = async () => {
      throw new Error('socket hang up');
    };
    expect(await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 })).toEqual({
      outputs: new Map(),
      failure: 'exec failed: Error: socket hang up',
    });
  });

  it("uses a fresh nonce per batch, so one batch cannot forge another's markers", async () => {
    const { client, calls } = answering({ exitCode: 0, stdout: '', stderr: '' });
    await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 });
    await runExecBatch(client, 'c0ffee', [job], { deadlineMs: 3000 });
    expect(calls[0]![4]).toMatch(/^[0-9a-f]{16}$/);
    expect(calls[0]![4]).not.toBe(calls[1]![4]);
  });
});

describe('the batch script, run for real by BusyBox sh on loopback', () => {
  const agent = () => new LocalShellClient({ id: 'c0ffee', labels: {} });

  it('runs every job in one exec and returns each output with its exit code', async () => {
    const client = agent();
    const jobs: ExecJob[] = [
      ping('ov-0', '127.0.0.1'),
      ping('ov-1', '127.0.0.2', '3'),
      { id: 'sa', op: 'ipsec-sas', args: [] },
    ];
    const { outputs, failure } = await runExecBatch(client, 'c0ffee', jobs, { deadlineMs: 8000 });
    expect(client.execCalls).toHaveLength(1);
    expect(failure).toBeNull();
    expect(parsePingOutput(outputs.get('ov-0')!.output)).toMatchObject({ ok: true, sent: 2, received: 2 });
    expect(parsePingOutput(outputs.get('ov-1')!.output)).toMatchObject({ ok: true, sent: 3, received: 3 });
    // swanctl without a charon (or not installed at all) exits non-zero; the batch still reports it.
    expect(outputs.get('sa')!.exitCode).not.toBe(0);
  });

  it('never runs a refused job, and still runs the others', async () => {
    const client = agent();
    const hostile = {
      id: 'x',
      op: 'ping',
      args: ['1', '0.2', '1', '127.0.0.1`touch /tmp/tw-pwned`'],
    } as ExecJob;
    const { outputs, failure } = await runExecBatch(
      client,
      'c0ffee',
      [hostile, ping('ok', '127.0.0.1', '1')],
      { deadlineMs: 8000 },
    );
    expect(failure).toContain('argument 4 of ping is not valid');
    expect([...outputs.keys()]).toEqual(['ok']);
    expect(client.execCalls[0]).not.toContain(hostile.args[3]);
  });

  it('reports a missing binary through the job exit code (and runs under dash too)', async () => {
    // An "agent" whose PATH has the shell utilities but no ping: dash with a PATH of BusyBox links.
    const bin = await mkdtemp(join(tmpdir(), 'tw-nopping-'));
    for (const tool of ['mkdir', 'cat', 'rm', 'sleep']) await symlink('/bin/busybox', join(bin, tool));
    const client = agent();
    const exec = client.exec.bind(client);
    client.exec = (id, argv, opts) =>
      exec(id, ['/usr/bin/env', `PATH=${bin}`, '/bin/dash', ...argv.slice(1)], opts);
    const { outputs, failure } = await runExecBatch(client, 'c0ffee', [ping('ov-0', '127.0.0.1' as Ipv4)], {
      deadlineMs: 8000,
    });
    expect(failure).toBeNull();
    expect(outputs.get('ov-0')?.exitCode).toBe(127);
  });

  it('turns a dead endpoint into a failure reason, not an exception', async () => {
    const { outputs, failure } = await runExecBatch(
      new SilentClient(),
      'c0ffee',
      [ping('ov-0', '127.0.0.1')],
      { deadlineMs: 300 },
    );
    expect(outputs.size).toBe(0);
    expect(failure).toContain('no answer within 300 ms');
  });

  it('turns a stopped container into a failure reason', async () => {
    const client = agent();
    client.exec = async () => {
      throw new TransportError(
        'conflict',
        'unix:///run/h1.sock: exec in c0ffee: Docker API answered 409 (container is not running)',
        409,
      );
    };
    const { failure } = await runExecBatch(client, 'c0ffee', [ping('ov-0', '127.0.0.1')], {
      deadlineMs: 1000,
    });
    expect(failure).toContain('409 (container is not running)');
  });
});

describe('the in-agent watchdog', () => {
  /** Processes on this machine carrying `mark` in their environment (every child of the batch inherits it). */
  const processesMarked = async (mark: string): Promise<string[]> => {
    const found: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const env = await readFile(`/proc/${pid}/environ`, 'latin1');
        if (env.split('\0').includes(mark))
          found.push((await readFile(`/proc/${pid}/cmdline`, 'latin1')).replaceAll('\0', ' ').trim());
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    return found;
  };
  /** An agent whose batch (and everything it starts) carries a unique environment mark. */
  const markedAgent = (mark: string) => {
    const client = new LocalShellClient({ id: 'c0ffee', labels: {} });
    const exec = client.exec.bind(client);
    client.exec = (id, argv, opts) =>
      exec(id, ['/usr/bin/env', mark, '/bin/busybox', 'sh', ...argv.slice(1)], opts);
    return client;
  };
  /** Polls (bounded: 20 × 100 ms) until nothing marked is left; returns what is still there. */
  const leftover = async (mark: string): Promise<string[]> => {
    let left = await processesMarked(mark);
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await processesMarked(mark);
    }
    return left;
  };

  it('stops jobs that would outlive the budget, so the exec returns and leaves nothing running', async () => {
    const mark = `TW_TEST_BATCH=${randomUUID()}`;
    // 20 pings at 0.2 s need ~4 s; a 2.5 s deadline gives the script a 1 s budget.
    const { outputs } = await runExecBatch(
      markedAgent(mark),
      'c0ffee',
      [ping('slow', '127.0.0.1', '20'), ping('fast', '127.0.0.1', '1')],
      { deadlineMs: 2500 },
    );
    expect(outputs.get('slow')?.exitCode).toBe(143);
    expect(outputs.get('fast')?.exitCode).toBe(0);
    expect(await leftover(mark)).toEqual([]);
  });

  it('leaves no watchdog behind when every job finishes inside the budget', async () => {
    const mark = `TW_TEST_BATCH=${randomUUID()}`;
    // A 9 s budget: a sleep left over from the watchdog would still be there when we look.
    const { outputs } = await runExecBatch(markedAgent(mark), 'c0ffee', [ping('fast', '127.0.0.1', '1')], {
      deadlineMs: 10_000,
    });
    expect(outputs.get('fast')?.exitCode).toBe(0);
    expect(await leftover(mark)).toEqual([]);
  });
});

describe('the arguments of sized pings and the second SA read', () => {
  const sized = (...args: string[]): ExecJob => ({ id: 'm', op: 'ping-sized', args });
  const ok = ['2', '0.2', '1', '1372', '100.64.2.2'];
  const withArg = (i: number, value: string) => sized(...ok.map((a, j) => (j === i ? value : a)));

  it('takes counts 1–999, intervals of 1–2 digits with up to 3 decimals, timeouts 1–99, sizes 16–9000', () => {
    expect(rejectJob(sized(...ok))).toBeNull();
    for (const [i, good] of [
      [0, ['1', '9', '10', '999']],
      [1, ['0', '0.2', '10', '99.999', '1.5']],
      [2, ['1', '9', '10', '99']],
      [3, ['16', '1372', '8972', '9000']],
    ] as const)
      for (const value of good) expect(rejectJob(withArg(i, value)), `${i}: ${value}`).toBeNull();
  });

  it('refuses anything past those bounds, or with junk before or after', () => {
    for (const [i, bad] of [
      [0, ['0', '1000', '01', '2;', ' 2', '2x', 'x2', '2 3', '']],
      [1, ['100', '0.2222', '.2', '0.', '0.2;', 'x0.2', '0.2x', '1.a']],
      [2, ['0', '100', '05', '1;', 'x1', '1x', '1a']],
      [3, ['15', '9001', '10000', '1', '13720', 'x1372', '1372x', '13a', ' 1372', '1372 ', '00016']],
      [4, ['100.64.2.2; reboot', '100.64.2', '']],
    ] as const)
      for (const value of bad) {
        expect(rejectJob(withArg(i, value)), `${i}: ${value}`).toBe(
          `job m: argument ${i + 1} of ping-sized is not valid`,
        );
      }
  });

  it('reads the SAs a second time after a delay of a digit with up to two decimals, nothing else', () => {
    const secondRead = (delay: string): ExecJob => ({ id: 's2', op: 'ipsec-sas-after', args: [delay] });
    for (const good of ['0', '1', '1.2', '9.99']) expect(rejectJob(secondRead(good)), good).toBeNull();
    for (const bad of ['10', '1.234', '.5', '1.', 'x1', '1x', '1.x', 'a', '', '1;'])
      expect(rejectJob(secondRead(bad)), bad).toBe('job s2: argument 1 of ipsec-sas-after is not valid');
  });
});

describe('parseBatchOutput, the nonce and the size cap', () => {
  const block = (nonce: string) => `@@tw-${nonce} job a 0\nout\n\n@@tw-${nonce} end a\n@@tw-${nonce} done\n`;

  it('reads nothing under a nonce that is not 1–64 letters and digits (it goes into a pattern)', () => {
    expect(parseBatchOutput(block('abc123'), 'abc123').get('a')).toEqual({ exitCode: 0, output: 'out' });
    expect(parseBatchOutput(block('a'.repeat(64)), 'a'.repeat(64)).size).toBe(1);
    for (const nonce of ['a'.repeat(65), '', 'ab.c', 'abc*', 'abc$', '(x)'])
      expect(parseBatchOutput(block(nonce), nonce).size, nonce).toBe(0);
  });

  it('a batch that printed past the cap says so, instead of the exit code', async () => {
    const client = new SilentClient();
    client.exec = async (_id, argv) => {
      const nonce = argv[4]!;
      return { exitCode: 0, stdout: `${'x'.repeat(4 * 1024 * 1024 + 1)}@@tw-${nonce} done\n`, stderr: '' };
    };
    const { failure } = await runExecBatch(client, 'c0ffee', [ping('ov-0', '127.0.0.1')], {
      deadlineMs: 3000,
    });
    expect(failure).toBe('the probe batch printed more than 4194304 characters; the rest was ignored');
    // Exactly the cap is not past it: the batch's own exit says what happened.
    client.exec = async () => ({ exitCode: 2, stdout: 'x'.repeat(4 * 1024 * 1024), stderr: '' });
    const atCap = await runExecBatch(client, 'c0ffee', [ping('ov-0', '127.0.0.1')], { deadlineMs: 3000 });
    expect(atCap.failure).not.toMatch(/printed more than/);
  });

  it('asks the exec to end at the batch’s own last line, with this batch’s nonce', async () => {
    const client = new SilentClient();
    let marker: string | undefined;
    let nonce = '';
    client.exec = async (_id, argv, opts) => {
      marker = (opts as ExecOptions).completeMarker;
      nonce = argv[4]!;
      return { exitCode: 0, stdout: '', stderr: '' };
    };
    await runExecBatch(client, 'c0ffee', [ping('ov-0', '127.0.0.1')], { deadlineMs: 3000 });
    expect(nonce).toMatch(/^[0-9a-f]{16}$/);
    expect(marker).toBe(`@@tw-${nonce} done`);
  });
});

// ikeSaInitRequestTemplate({ nonceLength: 32 }).length (test/unit/probes/ike/ike-packets.test.ts builds it).
const ikeTemplateBytes = 256;

describe('the IKE probe job (op ike-probe: HASH WAIT TEMPLATE, then ID IPV4 PORT STAMP per target)', () => {
  const ike = (args: string[], id = 'ike'): ExecJob => ({ id, op: 'ike-probe', args });
  // The request every probe is stamped from (a template of the same size as the real one: its bytes
  // are not what is checked here), and a stamp: an 8-byte SPI and a 32-byte nonce.
  const template = 'ab'.repeat(ikeTemplateBytes);
  const target = ['p0-500', '127.1.17.1', '500', 'ab'.repeat(40)];

  it('takes a 12-hex-digit program hash, a wait of 1–60000 ms, a template and whole targets only', () => {
    expect(rejectJob(ike(['0123456789ab', '1000', template, ...target]))).toBeNull();
    expect(rejectJob(ike(['0123456789ab', '60000', template]))).toBeNull();
    for (const bad of [
      ['0123456789AB', '1000', template, ...target],
      ['../../bin/sh', '1000', template, ...target],
      ['0123456789ab', '60001', template, ...target],
      ['0123456789ab', '0', template, ...target],
      ['0123456789ab', '1000', template, ...target.slice(0, 3)],
      ['0123456789ab', '1000', ...target],
      ['0123456789ab', '1000', 'ab'.repeat(43), ...target],
      ['0123456789ab', '1000', 'ab'.repeat(2049), ...target],
      ['0123456789ab', '1000', template.toUpperCase(), ...target],
      ['0123456789ab', '1000', `${template}0`, ...target],
      ['0123456789ab', '1000', template, 'P0', ...target.slice(1)],
      ['0123456789ab', '1000', template, target[0]!, '127.1.17.01', '500', target[3]!],
      ['0123456789ab', '1000', template, target[0]!, target[1]!, '501', target[3]!],
      ['0123456789ab', '1000', template, target[0]!, target[1]!, '500', 'abc'],
      ['0123456789ab', '1000', template, target[0]!, target[1]!, '500', 'ab'.repeat(23)],
      ['0123456789ab', '1000', template, target[0]!, target[1]!, '500', 'ab'.repeat(265)],
      ['0123456789ab', '1000', template, target[0]!, target[1]!, '500', `${target[3]!};sh`],
    ]) {
      expect(rejectJob(ike(bad)), JSON.stringify(bad)).not.toBeNull();
    }
    const many = Array.from({ length: 1025 }, () => target).flat();
    expect(rejectJob(ike(['0123456789ab', '1000', template, ...many]))).toMatch(/up to 1024 groups of 4/);
    expect(rejectJob(ike(['0123456789ab', '1000', template, ...many.slice(4)]))).toBeNull();
  });

  it('anchors every field: nothing before or after a hash, a wait or a target id', () => {
    const bad = (args: string[]) =>
      expect(rejectJob(ike(args)), JSON.stringify(args)).toMatch(
        /^job ike: argument \d+ of ike-probe is not valid$/,
      );
    bad(['x0123456789ab', '1000', template]);
    bad(['0123456789abx', '1000', template]);
    // A wait Number() would read as 1 000 ms: the text itself must be the number.
    bad(['0123456789ab', ' 1000', template]);
    bad(['0123456789ab', '1000 ', template]);
    bad(['0123456789ab', '1000', `x${template}`]);
    bad(['0123456789ab', '1000', `${template}x`]);
    bad(['0123456789ab', '1000', template, ...target.slice(0, 3), `x${target[3]}`]);
    bad(['0123456789ab', '1000', template, 'P0-500', ...target.slice(1)]);
    bad(['0123456789ab', '1000', template, `${target[0]}!`, ...target.slice(1)]);
    // A count of arguments that is not whole groups is refused before any is read.
    expect(rejectJob(ike(['0123456789ab', '1000', template, ...target, 'extra']))).toMatch(/groups of 4/);
    expect(rejectJob(ike(['0123456789ab', '1000']))).toMatch(/takes 3 arguments/);
  });

  it('runs last, since it takes the rest of argv; a second one is refused', () => {
    const first = ike(['0123456789ab', '1000', template, ...target]);
    const { ordered, refused } = orderJobs([
      first,
      ping('ov-0', '127.0.0.1'),
      ike(['0123456789ab', '1000', template], 'ike2'),
    ]);
    expect(ordered.map((j) => j.id)).toEqual(['ov-0', 'ike']);
    expect(refused).toEqual(['job ike2: only one ike-probe job fits in a batch']);
  });

  describe('run for real by BusyBox sh on loopback', () => {
    const client = () => new LocalShellClient({ id: 'c0ffee', labels: {} });

    it('runs the program put into /tmp with its targets as argv, beside the other jobs', async () => {
      // A hash of this test's own, so the file is this test's alone.
      const hash = randomUUID().replace(/-/g, '').slice(0, 12);
      const program = `/tmp/tunnelwatch-ike-probe-${hash}`;
      await writeFile(program, ikeProbeProgram());
      await chmod(program, 0o755);
      try {
        const { outputs, failure } = await runExecBatch(
          client(),
          'c0ffee',
          [ike([hash, '300', template, ...target]), ping('ov-0', '127.0.0.1', '1')],
          { deadlineMs: 8000 },
        );
        expect(failure).toBeNull();
        // Nothing listens there: the kernel's ICMP port unreachable, seen by the program as refused.
        expect(outputs.get('ike')).toEqual({
          exitCode: 0,
          output: expect.stringMatching(/^p0-500 refused \d+\n- end$/),
        });
        expect(outputs.get('ov-0')?.exitCode).toBe(0);
      } finally {
        await rm(program, { force: true });
      }
    });

    it('reports a program that is not there as exit 127 of its job, the others unharmed', async () => {
      const hash = randomUUID().replace(/-/g, '').slice(0, 12);
      const { outputs, failure } = await runExecBatch(
        client(),
        'c0ffee',
        [ike([hash, '300', template, ...target]), ping('ov-0', '127.0.0.1', '1')],
        { deadlineMs: 8000 },
      );
      expect(failure).toBeNull();
      expect(outputs.get('ike')?.exitCode).toBe(127);
      expect(outputs.get('ov-0')?.exitCode).toBe(0);
    });
  });
});

describe('the pings from the probe program in the agent (ICMP hash; run for real by BusyBox sh on loopback)', () => {
  const client = () => new LocalShellClient({ id: 'c0ffee', labels: {} });
  const sized = (id: string, ip: string, bytes: string): ExecJob => ({
    id,
    op: 'ping-sized',
    args: ['2', '0.2', '1', bytes, ip],
  });
  /** A program of this test's own at the path the script looks for, removed afterwards. */
  const withProgram = async (
    bytes: Uint8Array | string,
    mode: number,
    run: (hash: string) => Promise<void>,
  ) => {
    const hash = randomUUID().replace(/-/g, '').slice(0, 12);
    const program = `/tmp/tunnelwatch-ike-probe-${hash}`;
    await writeFile(program, bytes);
    await chmod(program, mode);
    try {
      await run(hash);
    } finally {
      await rm(program, { force: true });
    }
  };

  it('puts the hash of the program this process put into the agent in argv, else "-"', async () => {
    const argvOf = async (c: LocalShellClient) => {
      await runExecBatch(c, 'c0ffee', [ping('ov-0', '127.0.0.1', '1')], { deadlineMs: 8000 });
      return c.execCalls[0]!.slice(4, 7);
    };
    const plain = client();
    expect(await argvOf(plain)).toEqual([expect.stringMatching(/^[0-9a-f]{16}$/), '7', '-']);
    const holding = client();
    rememberHome(holding, 'c0ffee', 'in-agent');
    expect((await argvOf(holding))[2]).toBe(IKE_PROBE_HASH);
    const carried = client();
    rememberHome(carried, 'c0ffee', 'carrier');
    expect((await argvOf(carried))[2]).toBe('-');
    expect(batchArgv([ping('a', '127.0.0.1')], 5, 'n', 'not-a-hash')[6]).toBe('-');
  });

  it('sends every ping and sized ping from one run of the program, with its targets as argv', async () => {
    // A stand-in program: notes its argv, then answers each target in the batch's own block form.
    const log = join(await mkdtemp(join(tmpdir(), 'tw-icmp-argv-')), 'argv');
    const script = `#!/bin/sh
echo "$@" >>${log}
nonce=$2; shift 2
while [ $# -ge 6 ]; do
  printf '@@tw-%s job %s 0\\n1 packets transmitted, 1 packets received, 0%% packet loss\\n\\n@@tw-%s end %s\\n' "$nonce" "$1" "$nonce" "$1"
  shift 6
done
`;
    await withProgram(script, 0o755, async (hash) => {
      const { outputs, failure } = await runExecBatch(
        client(),
        'c0ffee',
        [
          ping('ov-0', '127.0.0.1', '3'),
          sized('mtu-0-1400', '127.0.0.2', '1372'),
          { id: 'sa', op: 'ipsec-sas', args: [] },
        ],
        { deadlineMs: 8000, icmpProgramHash: hash },
      );
      expect(failure).toBeNull();
      const runs = (await readFile(log, 'utf8')).trim().split('\n');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatch(
        /^--icmp [0-9a-f]{16} ov-0 127\.0\.0\.1 56 3 0\.2 1 mtu-0-1400 127\.0\.0\.2 1372 2 0\.2 1$/,
      );
      expect(parsePingOutput(outputs.get('ov-0')!.output)).toMatchObject({ ok: true, sent: 1, received: 1 });
      expect(outputs.get('mtu-0-1400')?.exitCode).toBe(0);
      expect(outputs.has('sa')).toBe(true);
    });
    await rm(dirname(log), { recursive: true, force: true });
  });

  it('the real program measures loopback pings as BusyBox ping would report them', async () => {
    await withProgram(ikeProbeProgram(), 0o755, async (hash) => {
      const { outputs, failure } = await runExecBatch(
        client(),
        'c0ffee',
        [ping('ov-0', '127.0.0.1', '3'), sized('mtu-0-1400', '127.0.0.2', '1372')],
        { deadlineMs: 8000, icmpProgramHash: hash },
      );
      expect(failure).toBeNull();
      expect(parsePingOutput(outputs.get('ov-0')!.output, 3)).toMatchObject({
        ok: true,
        sent: 3,
        received: 3,
      });
      expect(outputs.get('mtu-0-1400')!.output).toContain('PING 127.0.0.2 (127.0.0.2): 1372 data bytes');
      expect(parsePingOutput(outputs.get('mtu-0-1400')!.output, 2)).toMatchObject({ ok: true, received: 2 });
    });
  });

  it('falls back to BusyBox ping when the program is not executable or cannot run (126)', async () => {
    for (const [bytes, mode] of [
      [ikeProbeProgram(), 0o644],
      ['#!/bin/sh\nexit 126\n', 0o755],
    ] as const) {
      await withProgram(bytes, mode, async (hash) => {
        const { outputs, failure } = await runExecBatch(
          client(),
          'c0ffee',
          [ping('ov-0', '127.0.0.1', '2'), sized('mtu-0-1400', '127.0.0.1', '1372')],
          { deadlineMs: 8000, icmpProgramHash: hash },
        );
        expect(failure).toBeNull();
        expect(outputs.get('ov-0')?.exitCode).toBe(0);
        expect(parsePingOutput(outputs.get('ov-0')!.output, 2)).toMatchObject({ ok: true, received: 2 });
        expect(parsePingOutput(outputs.get('mtu-0-1400')!.output, 2)).toMatchObject({
          ok: true,
          received: 2,
        });
      });
    }
  });

  it('a program stopped by the watchdog: finished pings keep their result, the others say they were stopped', async () => {
    await withProgram(ikeProbeProgram(), 0o755, async (hash) => {
      // 20 pings at 0.2 s need ~4 s; a 2.5 s deadline gives the script a 1 s budget.
      const { outputs } = await runExecBatch(
        client(),
        'c0ffee',
        [ping('slow', '127.0.0.1', '20'), ping('fast', '127.0.0.1', '1')],
        { deadlineMs: 2500, icmpProgramHash: hash },
      );
      expect(outputs.get('slow')).toEqual({ exitCode: 143, output: '' });
      expect(parsePingOutput(outputs.get('fast')!.output, 1)).toMatchObject({ ok: true, received: 1 });
    });
  });
});

describe('parseBatchOutput, an id printed twice', () => {
  it('keeps the last complete block of an id', () => {
    const out = ['@@tw-n1 job a 143', '', '@@tw-n1 end a', '@@tw-n1 job a 0', 'done', '@@tw-n1 end a'].join(
      '\n',
    );
    expect(parseBatchOutput(out, 'n1').get('a')).toEqual({ exitCode: 0, output: 'done' });
  });
});

describe('the second SA read with the probe program', () => {
  it('comes once the program has finished its pings, not at the fixed delay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-after-read-'));
    const done = join(dir, 'pings-done');
    // The stand-in program takes 0.6 s and then notes that it is done; swanctl reports whether it was.
    await writeFile(
      join(dir, 'swanctl'),
      `#!/bin/sh\n[ -e ${done} ] && echo after-the-pings || echo too-early\n`,
    );
    await chmod(join(dir, 'swanctl'), 0o755);
    const hash = randomUUID().replace(/-/g, '').slice(0, 12);
    const program = `/tmp/tunnelwatch-ike-probe-${hash}`;
    await writeFile(program, `#!/bin/sh\nsleep 0.6\n: >${done}\n`);
    await chmod(program, 0o755);
    const client = new LocalShellClient({ id: 'c0ffee', labels: {} });
    const exec = client.exec.bind(client);
    client.exec = (id, argv, opts) =>
      exec(id, ['/usr/bin/env', `PATH=${dir}:/usr/bin:/bin`, '/bin/busybox', 'sh', ...argv.slice(1)], opts);
    try {
      const { outputs } = await runExecBatch(
        client,
        'c0ffee',
        [ping('ov-0', '127.0.0.1', '1'), { id: 'sas-after', op: 'ipsec-sas-after', args: ['0.2'] }],
        { deadlineMs: 8000, icmpProgramHash: hash },
      );
      expect(outputs.get('sas-after')).toEqual({ exitCode: 0, output: 'after-the-pings' });
      // The stand-in printed no block for its ping: it ended with 0, so the ping has none.
      expect(outputs.has('ov-0')).toBe(false);
    } finally {
      await rm(program, { force: true });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the fixed delay with BusyBox pings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tw-after-read-'));
    await writeFile(join(dir, 'swanctl'), '#!/bin/sh\necho read\n');
    await chmod(join(dir, 'swanctl'), 0o755);
    const client = new LocalShellClient({ id: 'c0ffee', labels: {} });
    const exec = client.exec.bind(client);
    client.exec = (id, argv, opts) =>
      exec(id, ['/usr/bin/env', `PATH=${dir}:/usr/bin:/bin`, '/bin/busybox', 'sh', ...argv.slice(1)], opts);
    try {
      const { outputs, failure } = await runExecBatch(
        client,
        'c0ffee',
        [ping('ov-0', '127.0.0.1', '1'), { id: 'sas-after', op: 'ipsec-sas-after', args: ['0.2'] }],
        { deadlineMs: 8000, icmpProgramHash: null },
      );
      expect(failure).toBeNull();
      expect(outputs.get('sas-after')).toEqual({ exitCode: 0, output: 'read' });
      expect(outputs.get('ov-0')?.exitCode).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
