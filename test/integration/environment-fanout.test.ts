// The fan-out on real Azurite queues and tables, with the real handlers and InvocationContexts, as
// the Functions host would call them: the timer enqueues one message per due environment, the queue
// handler sweeps each; duplicates count once, a failed sweep is retried, junk and stale messages
// are completed without a sweep.
import { InvocationContext, type Timer } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepQueueHandler } from '../../functions/sweep-queue.js';
import { sweepTimerHandler } from '../../functions/sweep-timer.js';
import type { EnvironmentName } from '../../shared/domain/environment-name.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { TableSweepClaims } from '../../shared/fanout/sweep-claims.js';
import { SWEEP_QUEUE_NAME } from '../../shared/fanout/sweep-queue.js';
import { historyStoreFromSettings } from '../../shared/pipeline/state-stores.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { tableAccountFrom } from '../../shared/storage/table-storage.js';
import { type Azurite, startAzuriteQueue, startAzuriteTable } from '../support/azurite.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
};
const credential = fixedTokenCredential('not-a-secret');
const host = (n: number) => ({ name: `h${n}`, docker: { endpoint: `unix:///run/tw-fanout-h${n}.sock` } });
const settings = { probes: { pingCount: 1, ikeTimeoutMs: 50 }, sweep: { deadlineMs: 2500 } };
const CONFIG = JSON.stringify({
  environments: [
    { name: 'prod', hosts: [host(1), host(2)], ...settings },
    { name: 'edge', schedule: '0 */5 * * * *', hosts: [host(1), host(3)], ...settings },
  ],
});
// Fake agents that ping over loopback; h3's Docker endpoint never answers.
const fakes = {
  clientFor: loopbackFleet(['h3']),
  execProbes: [overlayIcmpProbe, underlayIcmpProbe],
  agentProbes: [],
  telemetry: null,
  credential,
};

let guard: ReturnType<typeof guardLoopbackOnly>;
let tables: Azurite;
let queues: Azurite;
let env: Record<string, string>;
let queue: QueueClient;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  // One after the other: should the second fail to start, afterAll still stops the first.
  tables = await startAzuriteTable();
  queues = await startAzuriteQueue();
  env = {
    TUNNELWATCH_CONFIG: CONFIG,
    SWEEP_SCHEDULE: '0 */1 * * * *',
    TUNNELWATCH_STATE_TABLE_ENDPOINT: tables.connectionString,
    TUNNELWATCH_SWEEP_QUEUE: queues.connectionString,
  };
  queue = new QueueClient(queues.connectionString, SWEEP_QUEUE_NAME);
});

afterAll(async () => {
  await Promise.all([tables?.stop(), queues?.stop()]);
  guard?.restore();
});

function context(functionName: string) {
  const logs: { level: string; text: string }[] = [];
  const ctx = new InvocationContext({
    functionName,
    invocationId: `${functionName}-${Math.random()}`,
    logHandler: (level, ...args) => logs.push({ level, text: args.map(String).join(' ') }),
  });
  return { ctx, logs };
}

/** What the host hands the trigger: each message's base64 decoded and its JSON parsed. */
async function drain(): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (let round = 0; round < 5; round++) {
    const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (items.length === 0) break;
    for (const item of items) {
      bodies.push(JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')));
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
  return bodies;
}

const at = (iso: string) => () => new Date(iso);
const historyOf = (environment: string) =>
  historyStoreFromSettings(env, () => credential, environment as EnvironmentName);

describe('the timer fans out, the queue trigger sweeps', () => {
  it('enqueues one message per environment due at the tick, and sweeps none itself', async () => {
    const first = await sweepTimerHandler(timer, context('sweep').ctx, {
      env,
      ...fakes,
      now: at('2026-12-06T10:01:00.200Z'),
    });
    expect(first).toEqual({ enqueued: ['prod'], reports: [] });
    const fifth = await sweepTimerHandler(timer, context('sweep').ctx, {
      env,
      ...fakes,
      now: at('2026-12-06T10:05:00.300Z'),
    });
    expect(fifth.enqueued).toEqual(['prod', 'edge']);
    expect(await drain()).toEqual([
      { v: 1, environment: 'prod', tick: '2026-12-06T10:01:00.000Z' },
      { v: 1, environment: 'prod', tick: '2026-12-06T10:05:00.000Z' },
      { v: 1, environment: 'edge', tick: '2026-12-06T10:05:00.000Z' },
    ]);
  });

  it('sweeps each message`s environment into its own history, and a duplicate delivery counts once', async () => {
    await sweepTimerHandler(timer, context('sweep').ctx, {
      env,
      ...fakes,
      now: at('2026-12-06T11:05:00.100Z'),
    });
    const bodies = await drain();
    expect(bodies).toHaveLength(2);
    const now = at('2026-12-06T11:05:01.000Z');
    const results = await Promise.all(
      bodies.map((body) => sweepQueueHandler(body, context('sweep-environment').ctx, { env, ...fakes, now })),
    );
    const reports = results as SweepReport[];
    expect(reports.map((r) => [r.environment, r.hosts.map((h) => h.name), r.status])).toEqual([
      ['prod', ['h1', 'h2'], 'up'],
      ['edge', ['h1', 'h3'], 'unknown'],
    ]);
    expect((await historyOf('prod').recent()).map((r) => r.startedAt)).toEqual([reports[0]!.startedAt]);
    expect((await historyOf('edge').recent()).map((r) => r.startedAt)).toEqual([reports[1]!.startedAt]);

    // The queue delivers at least once: the same message again is the same sweep.
    const again = context('sweep-environment');
    expect(await sweepQueueHandler(bodies[0], again.ctx, { env, ...fakes, now })).toEqual({
      skipped: 'duplicate',
    });
    expect(again.logs.map((l) => l.text)).toEqual([
      'sweep of prod for 2026-12-06T11:05:00.000Z skipped: a duplicate delivery',
    ]);
    expect(await historyOf('prod').recent()).toHaveLength(1);
  });

  it('releases a failed sweep so the host`s retry of the message runs it', async () => {
    const body = { v: 1, environment: 'prod', tick: '2026-12-06T12:00:00.000Z' };
    const now = at('2026-12-06T12:00:01.000Z');
    const claims = TableSweepClaims.create(
      tableAccountFrom(tables.connectionString, () => credential, 'test'),
      60_000,
    );
    // A state-table setting this sweep cannot use: the invocation fails, naming the setting only.
    const broken = { ...env, TUNNELWATCH_STATE_TABLE_ENDPOINT: 'neither-url-nor-connection-string' };
    const failing = context('sweep-environment');
    await expect(
      sweepQueueHandler(body, failing.ctx, { env: broken, ...fakes, claims, now }),
    ).rejects.toThrow('TUNNELWATCH_STATE_TABLE_ENDPOINT is neither');
    const retried = await sweepQueueHandler(body, context('sweep-environment').ctx, {
      env,
      ...fakes,
      claims,
      now,
    });
    expect((retried as SweepReport).environment).toBe('prod');
    // …and once done, a third delivery is a duplicate.
    expect(
      await sweepQueueHandler(body, context('sweep-environment').ctx, { env, ...fakes, claims, now }),
    ).toEqual({
      skipped: 'duplicate',
    });
  });

  it('completes junk, stale and unknown-environment messages without sweeping or retrying', async () => {
    const now = at('2026-12-06T13:00:01.000Z');
    const run = (body: unknown) => {
      const c = context('sweep-environment');
      return sweepQueueHandler(body, c.ctx, { env, ...fakes, now }).then((r) => ({ r, logs: c.logs }));
    };
    const junk = await run('{"v":1,"environment":"prod","tick":"soon"}');
    expect(junk.r).toEqual({ skipped: 'invalid' });
    expect(junk.logs[0]).toMatchObject({ level: 'error' });
    expect(junk.logs[0]!.text).toBe(
      'sweep message ignored: not a tunnelwatch sweep message (field tick: invalid_string)',
    );
    expect((await run({ v: 1, environment: 'prod', tick: '2026-12-06T12:30:00.000Z' })).r).toEqual({
      skipped: 'stale',
    });
    expect((await run({ v: 1, environment: 'gone', tick: '2026-12-06T13:00:00.000Z' })).r).toEqual({
      skipped: 'unknown-environment',
    });
  });
});

describe('a sweep queue that does not answer', () => {
  it('fails the timer invocation with a reason that quotes no key, after a few seconds of retries', async () => {
    // A closed port on loopback: every request is refused at once.
    const dead = queues.connectionString.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
    const accountKey = /AccountKey=([^;]+)/.exec(dead)![1]!;
    const { ctx, logs } = context('sweep');
    const failed = sweepTimerHandler(timer, ctx, {
      env: { ...env, TUNNELWATCH_SWEEP_QUEUE: dead },
      ...fakes,
      now: at('2026-12-06T15:00:00.100Z'),
    });
    await expect(failed).rejects.toThrow(/^enqueueing the environment sweeps failed: /);
    const error = await failed.catch((e: Error) => e.message);
    expect(error).not.toContain(accountKey);
    expect(logs.map((l) => l.level)).toContain('error');
    for (const line of logs) expect(line.text).not.toContain(accountKey);
  }, 30_000);
});

describe('sweep claims in Table Storage', () => {
  it('lets one delivery run, holds off others while it runs, and lets a retry take over a dead claimant', async () => {
    const claims = TableSweepClaims.create(
      tableAccountFrom(tables.connectionString, () => credential, 'test'),
      60_000,
    );
    const prod = 'prod' as EnvironmentName;
    const tick = '2026-12-06T14:00:00.000Z';
    const t = (s: number) => new Date(Date.parse(tick) + s * 1000);
    expect(await claims.claim(prod, tick, t(1))).toBe(true);
    expect(await claims.claim(prod, tick, t(2))).toBe(false); // running
    expect(await claims.claim('edge' as EnvironmentName, tick, t(2))).toBe(true); // another environment
    expect(await claims.claim(prod, tick, t(62))).toBe(true); // the first claimant is taken for dead
    await claims.complete(prod, tick);
    expect(await claims.claim(prod, tick, t(500))).toBe(false); // done stays done
  });
});
