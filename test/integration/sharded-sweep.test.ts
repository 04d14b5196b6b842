// A sharded sweep through the real queue handler on Azurite queues, tables and blobs: one discovery, one
// message per shard of source hosts, the last shard finishes; a redelivered shard counts once; a
// lost shard's pairs are unknown with the reason once the delayed finish comes, never a hang.
import { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueueOutcome, type SweepQueueDeps, sweepQueueHandler } from '../../functions/sweep-queue.js';
import type { EnvironmentName } from '../../shared/domain/environment-name.js';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { BlobShardStore } from '../../shared/fanout/blob-shard-store.js';
import { TableSweepClaims } from '../../shared/fanout/sweep-claims.js';
import { SWEEP_QUEUE_NAME, storageSweepQueue } from '../../shared/fanout/sweep-queue.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../../shared/probes/ping/ping-exec-probe.js';
import { blobAccountFrom } from '../../shared/storage/blob-storage.js';
import { tableAccountFrom } from '../../shared/storage/table-storage.js';
import { type Azurite, startAzuriteBlob, startAzuriteQueue, startAzuriteTable } from '../support/azurite.js';
import { fixedTokenCredential } from '../support/fixed-token-credential.js';
import { loopbackFleet } from '../support/local-shell-client.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';

const credential = fixedTokenCredential('not-a-secret');
const HOSTS = [1, 2, 3, 4, 5, 6].map((n) => ({
  name: `h${n}`,
  docker: { endpoint: `unix:///run/tw-shard-h${n}.sock` },
}));
const CONFIG = JSON.stringify({
  environments: [
    {
      name: 'big',
      hosts: HOSTS,
      probes: { pingCount: 1, ikeTimeoutMs: 50 },
      sweep: { deadlineMs: 2500, shardSources: 2 },
    },
  ],
});

let guard: ReturnType<typeof guardLoopbackOnly>;
let tables: Azurite;
let queues: Azurite;
let blobs: Azurite;
let queue: QueueClient;
let deps: SweepQueueDeps;
let store: BlobShardStore;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  // One after the other: should one fail to start, afterAll still stops the others.
  tables = await startAzuriteTable();
  queues = await startAzuriteQueue();
  blobs = await startAzuriteBlob();
  queue = new QueueClient(queues.connectionString, SWEEP_QUEUE_NAME);
  store = BlobShardStore.fromAccount(blobAccountFrom(blobs.connectionString, () => credential, 'test'));
  const env = { TUNNELWATCH_CONFIG: CONFIG, TUNNELWATCH_STATE_TABLE_ENDPOINT: tables.connectionString };
  deps = {
    env,
    // Agents ping over loopback; every host answers.
    clientFor: loopbackFleet(),
    execProbes: [overlayIcmpProbe, underlayIcmpProbe],
    agentProbes: [],
    telemetry: null,
    credential,
    claims: TableSweepClaims.create(
      tableAccountFrom(tables.connectionString, () => credential, 'test'),
      60_000,
    ),
    queue: storageSweepQueue(queues.connectionString, () => credential, 'test'),
    shardStore: store,
  };
});

afterAll(async () => {
  await Promise.all([tables?.stop(), queues?.stop(), blobs?.stop()]);
  guard?.restore();
});

function handle(body: unknown, now: string): Promise<QueueOutcome> {
  const context = new InvocationContext({
    functionName: 'sweep-environment',
    invocationId: `${Math.random()}`,
  });
  return sweepQueueHandler(body, context, { ...deps, now: () => new Date(now) });
}

/** The visible messages, as the host would hand them to the trigger. */
async function receive(): Promise<unknown[]> {
  const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: 32 });
  for (const item of items) await queue.deleteMessage(item.messageId, item.popReceipt);
  return items.map((item) => JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')));
}

const big = 'big' as EnvironmentName;

describe('a sharded sweep', () => {
  it('plans shards of source hosts, probes each shard from its sources only, and the last shard finishes', async () => {
    const tick = '2026-12-06T10:00:00.000Z';
    const now = '2026-12-06T10:00:01.000Z';
    expect(await handle({ v: 1, environment: 'big', tick }, now)).toEqual({ sharded: 3 });
    const shards = await receive();
    // The finish waits, invisible, for the deadline: only the three shards are visible now.
    expect(shards).toEqual([0, 1, 2].map((part) => ({ v: 1, environment: 'big', tick, part })));
    const { approximateMessagesCount } = await queue.getProperties();
    expect(approximateMessagesCount).toBe(1);

    expect(await handle(shards[0], now)).toEqual({ shardProbed: 0, finished: null });
    expect(await handle(shards[1], now)).toEqual({ shardProbed: 1, finished: null });
    // A redelivered shard counts once.
    expect(await handle(shards[1], now)).toEqual({ skipped: 'duplicate' });
    const results = await store.results(big, tick);
    expect(results.map((r) => [r.shard, [...new Set(r.paths.map((p) => p.from))].sort()])).toEqual([
      [0, ['h1', 'h2']],
      [1, ['h3', 'h4']],
    ]);

    const last = (await handle(shards[2], now)) as { shardProbed: number; finished: SweepReport };
    expect(last.shardProbed).toBe(2);
    const report = last.finished;
    expect(report.environment).toBe('big');
    expect(report.verdicts).toHaveLength(30);
    expect(report.verdicts.every((v) => v.state === 'up')).toBe(true);
    // Every source's overlay paths, each ordered pair once (unix endpoints: no underlay address).
    const overlay = report.paths.filter((p) => p.probe === 'overlay-icmp');
    expect(new Set(overlay.map((p) => `${p.from}>${p.to}`)).size).toBe(30);
    expect(overlay).toHaveLength(30);
    // Finished and cleaned up: the delayed finish, when it comes, has nothing to do.
    expect(await store.loadPlan(big, tick)).toBeNull();
    expect(await handle({ v: 1, environment: 'big', tick, part: 'finish' }, now)).toEqual({
      skipped: 'no-plan',
    });
  });

  it('a lost shard: the delayed finish diagnoses with the shards that reported, its pairs unknown with the reason', async () => {
    const tick = '2026-12-06T11:00:00.000Z';
    const now = '2026-12-06T11:00:01.000Z';
    expect(await handle({ v: 1, environment: 'big', tick }, now)).toEqual({ sharded: 3 });
    const shards = await receive();
    await handle(shards[0], now);
    await handle(shards[2], now);
    // Shard 1 never runs (its instance died); the finish comes after the deadline.
    const report = (await handle(
      { v: 1, environment: 'big', tick, part: 'finish' },
      '2026-12-06T11:00:16.000Z',
    )) as SweepReport;
    const fromLost = report.verdicts.filter((v) => v.from === 'h3' || v.from === 'h4');
    expect(fromLost).toHaveLength(10);
    const lost = report.paths.filter((p) => p.from === 'h3' || p.from === 'h4');
    // Every probe kind the sweep runs, to every peer, from both lost sources.
    expect(lost.length).toBe(2 * 5 * 2);
    for (const path of lost) {
      expect(path.state).toBe('unknown');
      expect(path.error).toBe('shard 2 of 3 (sources h3…h4) did not report before the sweep deadline');
    }
    // A pair probed by neither end is unknown; one whose other direction was measured is judged from
    // that evidence, as when one agent of a pair does not answer.
    expect(report.verdicts.filter((v) => v.state === 'unknown').map((v) => `${v.from}>${v.to}`)).toEqual([
      'h3>h4',
      'h4>h3',
    ]);
    // The shards that reported still give their pairs' verdicts.
    const measured = report.verdicts.filter((v) => v.from === 'h1' && v.to === 'h5');
    expect(measured.map((v) => v.state)).toEqual(['up']);
    // The lost shard's late redelivery finds the sweep finished.
    expect(await handle(shards[1], '2026-12-06T11:00:20.000Z')).toEqual({ skipped: 'no-plan' });
  });
});
