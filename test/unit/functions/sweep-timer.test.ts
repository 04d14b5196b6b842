import { InvocationContext, type Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { sweepTimerHandler } from '../../../functions/sweep-timer.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { LocalShellClient, SilentClient } from '../../support/local-shell-client.js';

/** The timer with no sweep queue configured sweeps the config's one environment itself. */
async function sweepOnce(...args: Parameters<typeof sweepTimerHandler>) {
  const outcome = await sweepTimerHandler(...args);
  expect(outcome.reports).toHaveLength(1);
  return outcome.reports[0]!;
}

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};

function context() {
  const logs: { level: string; text: string }[] = [];
  const ctx = new InvocationContext({
    functionName: 'sweep',
    invocationId: 'test-invocation',
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  return { ctx, logs };
}

// The fake agents run only ping: sweep with the ICMP probes alone.
const PING_ONLY = { execProbes: [overlayIcmpProbe, underlayIcmpProbe], agentProbes: [] };

const CONFIG = JSON.stringify({
  hosts: [1, 2, 3].map((n) => ({ name: `h${n}`, docker: { endpoint: `unix:///run/tw-fn-test-h${n}.sock` } })),
  probes: { pingCount: 1 },
  sweep: { deadlineMs: 4000 },
});

describe('sweep timer handler', () => {
  it('sweeps with the config from TUNNELWATCH_CONFIG and logs one summary line', async () => {
    const { ctx, logs } = context();
    const report = await sweepOnce(timer, ctx, {
      env: { TUNNELWATCH_CONFIG: CONFIG },
      ...PING_ONLY,
      telemetry: null,
      clientFor: (h) =>
        h.name === 'h3'
          ? new SilentClient()
          : new LocalShellClient({
              id: h.name,
              labels: { 'io.rancher.container.ip': `127.0.0.${h.name.slice(1)}` },
            }),
    });
    expect(report.hosts.map((h) => h.state)).toEqual(['up', 'up', 'unknown']);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe('information');
    expect(logs[0]!.text).toMatch(
      /^sweep unknown: 3 hosts, 2 agents, 2\/6 pairs ok \(docker-unreachable×4\), \d+ ms$/,
    );
  });

  it('uses the real Docker clients by default: a missing socket makes every host unknown, not a crash', async () => {
    const { ctx, logs } = context();
    const report = await sweepOnce(timer, ctx, {
      env: { TUNNELWATCH_CONFIG: CONFIG },
      ...PING_ONLY,
      telemetry: null,
    });
    expect(report.hosts.map((h) => h.findings?.[0]?.code)).toEqual([
      'docker-unreachable',
      'docker-unreachable',
      'docker-unreachable',
    ]);
    expect(report.hosts[0]!.error).toContain(
      'unix:///run/tw-fn-test-h1.sock: list containers: Docker endpoint unreachable (ENOENT)',
    );
    expect(logs[0]!.text).toMatch(/^sweep unknown: 3 hosts, 0 agents/);
  });

  it('fails the invocation with the field named when the config is bad', async () => {
    const { ctx, logs } = context();
    await expect(sweepOnce(timer, ctx, { env: { TUNNELWATCH_CONFIG: '{"hosts": []}' } })).rejects.toThrow(
      'hosts: list at least one host',
    );
    expect(logs[0]).toMatchObject({ level: 'error' });
  });

  it('says once per invocation that telemetry is off when the app has no connection string', async () => {
    const { ctx, logs } = context();
    await sweepOnce(timer, ctx, {
      env: { TUNNELWATCH_CONFIG: CONFIG },
      ...PING_ONLY,
      clientFor: () => new LocalShellClient({ id: 'a', labels: { 'io.rancher.container.ip': '127.0.0.1' } }),
    });
    // The start-up module read process.env, which has no APPLICATIONINSIGHTS_CONNECTION_STRING here.
    expect(logs.map((l) => l.level)).toEqual(['warning', 'information']);
    expect(logs[0]!.text).toBe('telemetry off: APPLICATIONINSIGHTS_CONNECTION_STRING is not set');
  });

  it('records the sweep through the telemetry sink it is given, and flushes it', async () => {
    const { ctx } = context();
    const recorded: { status: string; outcome: unknown }[] = [];
    let flushes = 0;
    const report = await sweepOnce(timer, ctx, {
      env: { TUNNELWATCH_CONFIG: CONFIG },
      ...PING_ONLY,
      clientFor: () => new SilentClient(),
      telemetry: {
        record: (r, outcome) => {
          recorded.push({ status: r.status, outcome });
          return [];
        },
        flush: async () => {
          flushes++;
        },
        shutdown: async () => {},
      },
    });
    // Without TUNNELWATCH_STATE_TABLE_ENDPOINT there is no alert outcome: the sink goes stateless.
    expect(recorded).toEqual([{ status: report.status, outcome: undefined }]);
    expect(flushes).toBe(1);
  });

  it('refuses a state table setting that is neither a URL nor a connection string, without echoing it', async () => {
    const { ctx, logs } = context();
    const value = 'AccountNme=x;AccountKey=c2VjcmV0LWtleQ==';
    await expect(
      sweepOnce(timer, ctx, {
        env: { TUNNELWATCH_CONFIG: CONFIG, TUNNELWATCH_STATE_TABLE_ENDPOINT: value },
        telemetry: null,
      }),
    ).rejects.toThrow('TUNNELWATCH_STATE_TABLE_ENDPOINT');
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe('error');
    expect(logs[0]!.text).toContain('TUNNELWATCH_STATE_TABLE_ENDPOINT is neither an https:// Table endpoint');
    expect(logs[0]!.text).not.toContain('c2VjcmV0');
  });
});
