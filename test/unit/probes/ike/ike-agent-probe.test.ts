import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostName } from '../../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../../shared/domain/ipv4.js';
import type { AgentProbeContext } from '../../../../shared/probes/agent-probe.js';
import { rejectJob } from '../../../../shared/probes/exec-batch.js';
import {
  IKE_PROBE_AGENT_PATH,
  IKE_PROBE_HASH,
  ikeProbeAgentTar,
} from '../../../../shared/probes/ike/ike-agent-copy.js';
import {
  DEFAULT_IKE_PROBE_IMAGE,
  IKE_PROBE_IMAGE,
  ikeAgentProbe,
} from '../../../../shared/probes/ike/ike-agent-probe.js';
import {
  CARRIER_IMAGE_LABEL,
  CARRIER_LABEL,
  CARRIER_PROCESS_NAME,
} from '../../../../shared/probes/ike/ike-carrier.js';
import { ikePathResult } from '../../../../shared/probes/ike/ike-path-result.js';
import { ikeSaInitRequestTemplate } from '../../../../shared/probes/ike/ike-sa-init-request.js';
import {
  type CarrierSpec,
  type ContainerSummary,
  type DockerHostClient,
  type ExecOptions,
  TransportError,
} from '../../../../shared/transport/docker-host-client.js';

const hex = (name: string) =>
  readFileSync(new URL(`../../../fixtures/ike/${name}.hex`, import.meta.url), 'utf8').trim();
const ip = (s: string) => s as Ipv4;
const host = (s: string) => s as HostName;

const ctx: AgentProbeContext = {
  self: host('h1'),
  agent: { containerId: 'agent-h1', overlayIp: ip('100.64.1.2') },
  peers: [
    { name: host('h2'), underlayIp: ip('198.18.0.12'), overlayIp: ip('100.64.2.2') },
    { name: host('h3'), underlayIp: ip('198.18.0.13'), overlayIp: ip('100.64.3.2') },
    { name: host('h4'), underlayIp: null, overlayIp: ip('100.64.4.2') },
  ],
  timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 750 },
};

interface IkeExec {
  id: string;
  argv: string[];
  opts: ExecOptions;
}

const invalidKe = hex('udp500-invalid-ke.reply');
/** The request every probe is stamped from, as the program takes it (built in a test, not when the file loads). */
const template = () => Buffer.from(ikeSaInitRequestTemplate({ nonceLength: 32 })).toString('hex');

/**
 * What the program prints for its arguments (WAIT TEMPLATE, then ID IPV4 PORT STAMP per target): h2
 * answers like charon does (INVALID_KE_PAYLOAD echoing our SPI, the stamp's first 8 bytes), h3
 * refuses on 500 and drops 4500.
 */
function programOutput(args: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 2; i + 3 < args.length; i += 4) {
    const [pid, target, port, stamp] = args.slice(i, i + 4) as [string, string, string, string];
    const reply = (port === '4500' ? '00000000' : '') + stamp.slice(0, 16) + invalidKe.slice(16);
    if (target === '198.18.0.12') lines.push(`${pid} answered 812 ${reply}`);
    else if (port === '500') lines.push(`${pid} refused 300`);
    else lines.push(`${pid} timeout`);
  }
  return `${lines.join('\n')}\n- end\n`;
}

/**
 * A fake host whose agent refuses the program (`copy: 'refused'`, the default: dockerd's 403 for a
 * read-only root filesystem), so the probe runs in a carrier; or takes it (`copy: 'taken'`). Its
 * carrier can be made to vanish once (`vanishOnce`), as when someone removed it.
 */
function fakeClient(
  options: {
    vanishOnce?: boolean;
    existing?: ContainerSummary[];
    copy?: 'refused' | 'taken' | 'no-tmp' | 'not-running';
  } = {},
) {
  const calls = {
    images: [] as string[],
    carriers: [] as CarrierSpec[],
    removed: [] as string[],
    execs: [] as IkeExec[],
    copies: [] as { id: string; directory: string; tarball: Uint8Array }[],
  };
  let vanish = options.vanishOnce === true;
  const client = {
    async putArchive(id: string, directory: string, tarball: Uint8Array) {
      calls.copies.push({ id, directory, tarball });
      if (options.copy === 'not-running')
        throw new TransportError('conflict', 'Docker API answered 409 (container is not running)', 409);
      if (options.copy === 'no-tmp')
        throw new TransportError('not-found', 'Docker API answered 404 (Could not find the file /tmp)', 404);
      if (options.copy !== 'taken')
        throw new TransportError(
          'protocol',
          'Docker API answered 403 (container rootfs is marked read-only)',
          403,
        );
    },
    async listContainers() {
      return options.existing ?? [];
    },
    async ensureImage(image: string) {
      calls.images.push(image);
    },
    async startCarrier(spec: CarrierSpec) {
      calls.carriers.push(spec);
      return `carrier-${calls.carriers.length}`;
    },
    async removeContainer(id: string) {
      calls.removed.push(id);
    },
    async exec(id: string, argv: string[], opts: ExecOptions) {
      calls.execs.push({ id, argv, opts });
      if (vanish) {
        vanish = false;
        throw new TransportError('not-found', `no such container: ${id}`, 404);
      }
      return { exitCode: 0, stdout: programOutput(argv.slice(1)), stderr: '' };
    },
  } as unknown as DockerHostClient;
  return { client, calls };
}

describe('ikeAgentProbe', () => {
  it('puts the program into the agent once and rides in its exec batch: no request of its own', async () => {
    const { client, calls } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    // One file, root-owned 0755, named by the program's hash, unpacked into the agent's /tmp.
    expect(calls.copies.map((c) => [c.id, c.directory])).toEqual([['agent-h1', '/tmp']]);
    expect(calls.copies[0]!.tarball).toEqual(ikeProbeAgentTar());
    const tar = Buffer.from(calls.copies[0]!.tarball);
    expect(tar.subarray(0, 100).toString('latin1').replace(/\0+$/, '')).toBe(
      `tunnelwatch-ike-probe-${IKE_PROBE_HASH}`,
    );
    expect(tar.subarray(100, 107).toString('latin1')).toBe('0000755');
    expect(IKE_PROBE_AGENT_PATH).toBe(`/tmp/tunnelwatch-ike-probe-${IKE_PROBE_HASH}`);
    for (let sweep = 0; sweep < 2; sweep++) {
      const share = probe.share!(ctx, client)!;
      expect(share.jobs).toHaveLength(1);
      const [job] = share.jobs;
      expect(job!.op).toBe('ike-probe');
      expect(rejectJob(job!)).toBeNull();
      expect(job!.args.slice(0, 3)).toEqual([IKE_PROBE_HASH, '750', template()]);
      expect(job!.args.length).toBe(3 + 4 * 4); // h2 and h3, two ports each; h4 has no address
      const output = programOutput(job!.args.slice(1));
      const paths = await share.finish(
        new Map([[job!.id, { exitCode: 0, output }]]),
        null,
        new AbortController().signal,
      );
      expect(paths.map((p) => [p.to, p.probe, p.state, p.ike?.response ?? null])).toEqual([
        ['h2', 'ike-udp500', 'up', 'INVALID_KE_PAYLOAD'],
        ['h2', 'ike-udp4500', 'up', 'INVALID_KE_PAYLOAD'],
        ['h3', 'ike-udp500', 'down', null],
        ['h3', 'ike-udp4500', 'down', null],
        ['h4', 'ike-udp500', 'unknown', null],
        ['h4', 'ike-udp4500', 'unknown', null],
      ]);
    }
    // Steady state: no upload, no exec, no carrier beyond the first sweep's one upload.
    expect(calls.copies).toHaveLength(1);
    expect(calls.execs).toHaveLength(0);
    expect(calls.carriers).toHaveLength(0);
  });

  it('puts the program back and runs it once alone when the batch finds it gone (exit 127)', async () => {
    const { client, calls } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    const share = probe.share!(ctx, client)!;
    const missing = { exitCode: 127, output: `sh: ${IKE_PROBE_AGENT_PATH}: not found` };
    const paths = await share.finish(new Map([['ike', missing]]), null, new AbortController().signal);
    expect(calls.copies).toHaveLength(2);
    expect(calls.execs.map((e) => [e.id, e.argv[0]])).toEqual([['agent-h1', IKE_PROBE_AGENT_PATH]]);
    expect(calls.execs[0]!.opts.completeMarker).toBe('- end');
    expect(paths.filter((p) => p.state === 'up')).toHaveLength(2);
    // The next sweep rides in the batch again.
    expect(probe.share!(ctx, client)?.jobs).toHaveLength(1);
  });

  it('a re-created agent (a new id) gets the program again before its probes run', async () => {
    const { client, calls } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    const recreated = { ...ctx, agent: { ...ctx.agent, containerId: 'agent-h1-new' } };
    // Not known to hold it: no batch share; its run puts the program in and execs it there.
    expect(probe.share!(recreated, client)).toBeNull();
    const paths = await probe.run(recreated, client, new AbortController().signal);
    expect(calls.copies.map((c) => c.id)).toEqual(['agent-h1', 'agent-h1-new']);
    expect(calls.execs.map((e) => [e.id, e.argv[0]])).toEqual([['agent-h1-new', IKE_PROBE_AGENT_PATH]]);
    expect(paths.filter((p) => p.state === 'up')).toHaveLength(2);
    expect(probe.share!(recreated, client)?.jobs).toHaveLength(1);
  });

  it('an agent that may not run it (exit 126: noexec /tmp) gets a carrier from then on', async () => {
    const { client, calls } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    const share = probe.share!(ctx, client)!;
    const denied = { exitCode: 126, output: `sh: ${IKE_PROBE_AGENT_PATH}: Permission denied` };
    const paths = await share.finish(new Map([['ike', denied]]), null, new AbortController().signal);
    expect(calls.carriers).toHaveLength(1);
    expect(calls.execs.map((e) => e.id)).toEqual(['carrier-1']);
    expect(paths.filter((p) => p.state === 'up')).toHaveLength(2);
    expect(probe.share!(ctx, client)).toBeNull();
  });

  it('an agent without /tmp (404) gets a carrier; one that is not running (409) gets nothing remembered', async () => {
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    const noTmp = fakeClient({ copy: 'no-tmp' });
    await probe.prepare!(ctx, noTmp.client, new AbortController().signal);
    expect(noTmp.calls.carriers).toHaveLength(1);
    const stopped = fakeClient({ copy: 'not-running' });
    await expect(probe.prepare!(ctx, stopped.client, new AbortController().signal)).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(stopped.calls.carriers).toHaveLength(0);
    expect(probe.share!(ctx, stopped.client)).toBeNull();
  });

  it('ends the program’s reply wait before the batch’s watchdog stops its jobs', async () => {
    const { client } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    // A 2.5 s budget: the watchdog stops jobs after 1 s, so the 750 ms wait becomes 700 ms.
    expect(probe.share!({ ...ctx, budgetMs: 2500 }, client)!.jobs[0]!.args[1]).toBe('700');
    expect(probe.share!({ ...ctx, budgetMs: 60_000 }, client)!.jobs[0]!.args[1]).toBe('750');
  });

  it('a batch that died before the program reported leaves its paths unknown, with the batch’s reason', async () => {
    const { client, calls } = fakeClient({ copy: 'taken' });
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    const paths = await probe.share!(ctx, client)!.finish(
      new Map(),
      'probe batch ended early (exit 137)',
      new AbortController().signal,
    );
    expect(paths.map((p) => [p.state, p.error])).toEqual([
      ...Array(4).fill(['unknown', 'probe batch ended early (exit 137)']),
      ...Array(2).fill(['unknown', 'no underlay address known for this peer']),
    ]);
    expect(calls.execs).toHaveLength(0);
  });

  it('runs ONE exec in the agent’s carrier probing every peer on both ports when the agent refuses the program', async () => {
    const { client, calls } = fakeClient();
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.run(ctx, client, new AbortController().signal);
    expect(calls.images).toEqual([IKE_PROBE_IMAGE]);
    expect(calls.carriers).toHaveLength(1);
    expect(calls.carriers[0]).toMatchObject({
      image: IKE_PROBE_IMAGE,
      ofContainer: 'agent-h1',
      argv: ['/ike-probe', '--carry', CARRIER_PROCESS_NAME],
      labels: { [CARRIER_LABEL]: 'agent-h1', [CARRIER_IMAGE_LABEL]: IKE_PROBE_IMAGE },
    });
    expect(calls.execs).toHaveLength(1);
    const { id, argv, opts } = calls.execs[0]!;
    expect(id).toBe('carrier-1');
    // The program's last line tells the exec is complete: no request for its exit code.
    expect(opts.completeMarker).toBe('- end');
    expect(argv.slice(0, 3)).toEqual(['/ike-probe', '750', template()]);
    const targets = argv.slice(3);
    expect(targets.length).toBe(4 * 4); // h2 and h3, two ports each; h4 has no address
    expect(targets.filter((_, i) => i % 4 === 2)).toEqual(['500', '4500', '500', '4500']);
    // Per probe only its stamp: an SPI of its own (8 bytes) and a nonce of its own (32), as hex.
    const stamps = targets.filter((_, i) => i % 4 === 3);
    expect(stamps.every((h) => /^[0-9a-f]{80}$/.test(h))).toBe(true);
    expect(new Set(stamps.map((h) => h.slice(0, 16))).size).toBe(4);
    expect(new Set(stamps.map((h) => h.slice(16))).size).toBe(4);
  });

  it('keeps its carrier across sweeps on the same client, and replaces it once when it vanished', async () => {
    const { client, calls } = fakeClient();
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(ctx, client, new AbortController().signal);
    await probe.run(ctx, client, new AbortController().signal);
    await probe.run(ctx, client, new AbortController().signal);
    expect(calls.carriers).toHaveLength(1);
    expect(calls.execs.map((e) => e.id)).toEqual(['carrier-1', 'carrier-1']);

    const gone = fakeClient({ vanishOnce: true });
    const paths = await probe.run(ctx, gone.client, new AbortController().signal);
    expect(gone.calls.execs.map((e) => e.id)).toEqual(['carrier-1', 'carrier-2']);
    expect(paths.filter((p) => p.state === 'up')).toHaveLength(2);
  });

  it('uses a running carrier of the same program found by its label, and removes older ones', async () => {
    const carrier = (id: string, image: string, state = 'running'): ContainerSummary => ({
      id,
      names: [id],
      image,
      state,
      labels: { [CARRIER_LABEL]: 'agent-h1', [CARRIER_IMAGE_LABEL]: image },
      dockerIps: [],
    });
    const { client, calls } = fakeClient({
      existing: [
        carrier('old', 'tunnelwatch/ike-probe:000000000000'),
        carrier('current', IKE_PROBE_IMAGE),
        carrier('stopped', IKE_PROBE_IMAGE, 'exited'),
      ],
    });
    await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(ctx, client, new AbortController().signal);
    expect(calls.carriers).toHaveLength(0);
    expect(calls.execs.map((e) => e.id)).toEqual(['current']);
    expect(calls.removed.sort()).toEqual(['old', 'stopped']);
  });

  it('turns the program’s lines into ike-udp500 / ike-udp4500 paths', async () => {
    const { client } = fakeClient();
    const paths = await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(ctx, client, new AbortController().signal);
    const brief = paths.map((p) => [
      p.to,
      p.probe,
      p.state,
      p.sent,
      p.received,
      p.ike?.outcome ?? null,
      p.ike?.response ?? null,
    ]);
    expect(brief).toEqual([
      ['h2', 'ike-udp500', 'up', 1, 1, 'answered', 'INVALID_KE_PAYLOAD'],
      ['h2', 'ike-udp4500', 'up', 1, 1, 'answered', 'INVALID_KE_PAYLOAD'],
      ['h3', 'ike-udp500', 'down', 1, 0, 'refused', null],
      ['h3', 'ike-udp4500', 'down', 1, 0, 'timeout', null],
      ['h4', 'ike-udp500', 'unknown', 0, 0, null, null],
      ['h4', 'ike-udp4500', 'unknown', 0, 0, null, null],
    ]);
    expect(paths[0]!.rttMs).toEqual({ min: 0.81, avg: 0.81, max: 0.81 });
  });

  it('starts no carrier and runs nothing when no peer has an address', async () => {
    const { client, calls } = fakeClient();
    const lonely = { ...ctx, peers: [ctx.peers[2]!] };
    const probe = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE);
    await probe.prepare!(lonely, client, new AbortController().signal);
    const paths = await probe.run(lonely, client, new AbortController().signal);
    expect(calls.carriers).toHaveLength(0);
    expect(calls.execs).toHaveLength(0);
    expect(paths.every((p) => p.state === 'unknown')).toBe(true);
  });
});

describe('ikeAgentProbe within a sweep budget', () => {
  it('sizes the exec deadline and the reply wait to the budget left', async () => {
    const { client, calls } = fakeClient();
    await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, timing: { ...ctx.timing, ikeTimeoutMs: 3000 }, budgetMs: 2500 },
      client,
      new AbortController().signal,
    );
    const { argv, opts } = calls.execs[0]!;
    expect(opts.deadlineMs).toBeLessThanOrEqual(2500);
    expect(opts.deadlineMs).toBeGreaterThan(2000);
    // The reply wait leaves the exec time to start and report instead of being cut off silent.
    expect(Number(argv[1])).toBeLessThanOrEqual(opts.deadlineMs - 1000);
  });

  it('keeps the configured wait when the budget is ample', async () => {
    const { client, calls } = fakeClient();
    await ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, budgetMs: 60_000 },
      client,
      new AbortController().signal,
    );
    expect(calls.execs[0]!.argv[1]).toBe('750');
    expect(calls.execs[0]!.opts.deadlineMs).toBe(750 + 1000);
  });

  it('runs nothing when the budget is spent', async () => {
    const { client, calls } = fakeClient();
    const run = ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      { ...ctx, budgetMs: 100 },
      client,
      new AbortController().signal,
    );
    await expect(run).rejects.toThrow(/no time left in the sweep budget/);
    expect(calls.execs).toHaveLength(0);
  });
});

describe('ikePathResult', () => {
  const spi = Uint8Array.from(Buffer.from(hex('udp500-invalid-ke.spi'), 'hex'));
  const run = (fields: string[] | undefined) =>
    ikePathResult(host('h1'), host('h2'), 500, ip('198.18.0.12'), spi, fields);

  it('answered with a reply to someone else’s SPI is not counted as an answer', () => {
    const other = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
    const p = ikePathResult(host('h1'), host('h2'), 500, ip('198.18.0.12'), other, [
      'answered',
      '500',
      hex('udp500-invalid-ke.reply'),
    ]);
    expect(p).toMatchObject({ state: 'unknown', ike: { outcome: 'error' } });
  });

  it.each([
    [undefined, 'unknown', /did not report/],
    [['error', 'socket'], 'unknown', /could not run/],
    [['answered', '12', 'zz'], 'unknown', /not with IKE/],
    [['refused', '100'], 'down', /ICMP port unreachable/],
  ])('%j → %s', (fields, state, error) => {
    const p = run(fields as string[] | undefined);
    expect(p.state).toBe(state);
    expect(p.error).toMatch(error);
  });
});
