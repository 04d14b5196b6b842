import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { sweepTimerHandler } from '../../../functions/sweep-timer.js';
import { runCli } from '../../../shared/cli/run-cli.js';
import { printableLine, printableStrings, printableText } from '../../../shared/domain/printable-text.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { overlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { renderDiscoveryText } from '../../../shared/report/discovery-text.js';
import { renderMatrixPage } from '../../../shared/report/html/matrix-page.js';
import { renderTextMatrix } from '../../../shared/report/text-matrix.js';
import {
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  TransportError,
} from '../../../shared/transport/docker-host-client.js';
import { buildReport } from '../../support/sweep-report-builder.js';

/** The timer with no sweep queue configured sweeps the config's one environment itself. */
async function sweepOnce(...args: Parameters<typeof sweepTimerHandler>) {
  const outcome = await sweepTimerHandler(...args);
  expect(outcome.reports).toHaveLength(1);
  return outcome.reports[0]!;
}

const SAMPLE_REPORT = buildReport({
  hosts: 3,
  startedAt: '2026-01-02T03:04:05.000Z',
  faults: { 'h1>h2': 'packet-loss' },
  hostFindings: { h3: [{ code: 'docker-unreachable', message: 'tcp://198.18.0.99:2376: unreachable' }] },
});

// What a hostile daemon puts in its error text: clear screen, retitle the terminal, an 8-bit CSI,
// a right-to-left override, and a line feed forging a verdict line.
const HOSTILE = 'boom\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eevil\r\n  h1 -> h2  up  ok  all good';
/** Any character that makes a terminal (or the eye) do something other than show it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('printableText / printableLine', () => {
  it('escape control characters, terminal escapes and bidi overrides as visible \\uXXXX', () => {
    expect(printableLine('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(printableLine('x\ny\tz')).toBe('x\\u000ay\\u0009z');
    expect(printableText('x\ny\tz\r')).toBe('x\ny\tz\\u000d');
    expect(printableText('\u009b\u202e\u2066\ufeff')).toBe('\\u009b\\u202e\\u2066\\ufeff');
    expect(printableText('lone \ud800 surrogate, pair \ud83d\ude00 kept')).toBe(
      'lone \\ud800 surrogate, pair \ud83d\ude00 kept',
    );
    expect(printableText('plain text: ünïcödé, 10.42.0.1/16 {a=b}')).toBe(
      'plain text: ünïcödé, 10.42.0.1/16 {a=b}',
    );
  });

  it('keep JSON valid and equal for strings without such characters', () => {
    const value = { a: 'plain', b: ['x\u009by', 'z\u202e'] };
    const sanitised = printableText(JSON.stringify(value));
    expect(CONTROL.test(sanitised)).toBe(false);
    expect(JSON.parse(sanitised)).toEqual(value);
    expect(printableStrings(value)).toEqual({ a: 'plain', b: ['x\\u009by', 'z\\u202e'] });
  });
});

const hostileReport = (): SweepReport => {
  const report = structuredClone(SAMPLE_REPORT);
  report.hosts[2]!.error = HOSTILE;
  report.hosts[2]!.findings = [{ code: 'docker-unreachable', message: HOSTILE }];
  report.verdicts[0]!.advice = HOSTILE;
  report.paths[0]!.error = HOSTILE;
  return report;
};

describe('host text in printed output', () => {
  it('the text matrix shows it escaped and cannot be made to print extra lines', () => {
    const clean = renderTextMatrix(SAMPLE_REPORT);
    const text = renderTextMatrix(hostileReport());
    expect(CONTROL.test(text)).toBe(false);
    expect(text).toContain('boom\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u202eevil\\u000d\\u000a');
    expect(text.split('\n')).toHaveLength(clean.split('\n').length);
  });

  it('discovery text shows it escaped, one line per host', () => {
    const text = renderDiscoveryText(hostileReport().hosts);
    expect(CONTROL.test(text)).toBe(false);
    expect(text.trimEnd().split('\n')).toHaveLength(1 + SAMPLE_REPORT.hosts.length);
  });

  it('the HTML page shows it escaped, in markup and in the data its script reads', () => {
    const page = renderMatrixPage(hostileReport(), [], new Date('2026-01-02T03:05:00Z'));
    expect(CONTROL.test(page)).toBe(false);
    expect(page).toContain('\\u001b[2J');
  });

  it('CLI errors from a daemon reach stderr / stdout escaped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'h12b-printable-'));
    const config = join(dir, 'tunnelwatch.json');
    await writeFile(
      config,
      JSON.stringify({ hosts: [{ name: 'h1', docker: { endpoint: 'unix:///run/h12b-x.sock' } }] }),
    );
    const hostile: DockerHostClient = {
      listContainers: async (): Promise<ContainerSummary[]> => {
        throw new TransportError('protocol', `Docker API error: ${HOSTILE}`, 500);
      },
      inspectContainer: async (): Promise<ContainerDetails> => {
        throw new Error('unused');
      },
      exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
      startCarrier: async () => 'carrier',
      removeContainer: async () => {},
      ensureImage: async () => {},
      putArchive: async () => {},
      close: async () => {},
    };
    for (const argv of [
      ['discover', '--config', config],
      ['sweep', '--config', config],
      ['discover', '--json', '--config', config],
    ]) {
      let out = '';
      await runCli(
        argv,
        {
          stdout: { write: (t: string) => (out += t) },
          stderr: { write: (t: string) => (out += t) },
          env: {},
        },
        { clientFor: () => hostile, execProbes: [overlayIcmpProbe], agentProbes: [] },
      );
      expect(out).toContain('boom');
      expect(CONTROL.test(out), argv.join(' ')).toBe(false);
      if (argv.includes('--json')) expect(JSON.parse(out).hosts[0].error).toContain('boom\u001b[2J');
    }
  });

  it('the Function’s log lines show it escaped', async () => {
    const logs: string[] = [];
    const ctx = new InvocationContext({
      functionName: 'sweep',
      invocationId: 'h12b',
      logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
    });
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: '', next: '', lastUpdated: '' },
    };
    // A config error that quotes a value is the shortest way to a context.error line with such text.
    const host = { name: HOSTILE, docker: { endpoint: 'unix:///run/h12b-x.sock' } };
    await expect(
      sweepOnce(timer, ctx, { env: { TUNNELWATCH_CONFIG: JSON.stringify({ hosts: [host, host] }) } }),
    ).rejects.toThrow();
    expect(logs.join('\n')).toContain('boom\\u001b[2J');
    for (const line of logs) expect(CONTROL.test(line.replace(/\n/g, ''))).toBe(false);
  });
});
