import { InvocationContext, type Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { sweepTimerHandler } from '../../../functions/sweep-timer.js';
import { LocalShellClient, SilentClient } from '../../support/local-shell-client.js';

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

const CONFIG = JSON.stringify({
  hosts: [1, 2, 3].map((n) => ({ name: `h${n}`, docker: { endpoint: `unix:///run/tw-fn-test-h${n}.sock` } })),
  probes: { pingCount: 1 },
  sweep: { deadlineMs: 4000 },
});

describe('sweep timer handler', () => {
  it('sweeps with the config from TUNNELWATCH_CONFIG and logs one summary line', async () => {
    const { ctx, logs } = context();
    const report = await sweepTimerHandler(timer, ctx, {
      env: { TUNNELWATCH_CONFIG: CONFIG },
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
    const report = await sweepTimerHandler(timer, ctx, { env: { TUNNELWATCH_CONFIG: CONFIG } });
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
    await expect(
      sweepTimerHandler(timer, ctx, { env: { TUNNELWATCH_CONFIG: '{"hosts": []}' } }),
    ).rejects.toThrow('hosts: list at least one host');
    expect(logs[0]).toMatchObject({ level: 'error' });
  });
});
