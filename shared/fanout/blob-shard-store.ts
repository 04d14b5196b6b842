import type { EnvironmentName } from '../domain/environment-name.js';
import { SCHEMA_VERSION, type SweepReport } from '../domain/sweep-report.js';
import { decodeReportBlob, encodeReportBlob } from '../history/report-blob-codec.js';
import {
  type BlobAccount,
  type ContainerClient,
  containerClient,
  containerCreator,
  isBlobStatus,
} from '../storage/blob-storage.js';
import type { ShardStore } from './shard-store.js';
import { type ShardedSweepPlan, type ShardResult, shardSources } from './sharded-sweep.js';

/** infra/ creates it with a 1-day lifecycle rule: a sweep whose finish never ran leaves nothing for long. */
export const DEFAULT_SHARD_CONTAINER = 'sweep-shards';

const SHARD_BLOB = /\/shard-(\d{5})\.json\.gz$/;

/**
 * A sharded sweep's plan and shard results as gzipped report-shaped blobs under
 * `<environment>/<tick>/`: written and read with the report codec, so every read is bounded in
 * bytes and checked against the report contract like a stored report.
 */
export class BlobShardStore implements ShardStore {
  private readonly ensureContainer: () => Promise<void>;

  constructor(private readonly container: ContainerClient) {
    this.ensureContainer = containerCreator(container);
  }

  static fromAccount(account: BlobAccount, source = 'shard store'): BlobShardStore {
    return new BlobShardStore(containerClient(account, DEFAULT_SHARD_CONTAINER, source));
  }

  async savePlan(plan: ShardedSweepPlan): Promise<void> {
    // The shards are consecutive runs of the plan's hosts (config order): their size says them all.
    const size = Math.max(...plan.shards.map((s) => s.length));
    await this.put(`${prefix(plan.environment, plan.tick)}plan.json.gz`, asReport(plan, plan.hosts, [], 0), {
      shardsources: String(size),
    });
  }

  async loadPlan(environment: EnvironmentName, tick: string): Promise<ShardedSweepPlan | null> {
    const name = `${prefix(environment, tick)}plan.json.gz`;
    const read = await this.get(name, tick);
    if (!read) return null;
    const size = Number(read.metadata.shardsources);
    if (!Number.isInteger(size) || size < 1) throw new Error(`shard plan ${name} has no shard size`);
    return {
      environment,
      tick,
      startedAt: read.report.startedAt,
      hosts: read.report.hosts,
      shards: shardSources(
        read.report.hosts.map((h) => h.name),
        size,
      ),
    };
  }

  async saveResult(environment: EnvironmentName, tick: string, result: ShardResult): Promise<void> {
    const name = `${prefix(environment, tick)}shard-${String(result.shard).padStart(5, '0')}.json.gz`;
    await this.put(name, asReport({ environment, startedAt: tick }, [], result.paths, result.durationMs), {});
  }

  async results(environment: EnvironmentName, tick: string): Promise<ShardResult[]> {
    const results: ShardResult[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix: prefix(environment, tick) })) {
      const index = SHARD_BLOB.exec(blob.name)?.[1];
      if (index === undefined) continue;
      const read = await this.get(blob.name, tick);
      if (read)
        results.push({ shard: Number(index), paths: read.report.paths, durationMs: read.report.durationMs });
    }
    return results;
  }

  async remove(environment: EnvironmentName, tick: string): Promise<void> {
    for await (const blob of this.container.listBlobsFlat({ prefix: prefix(environment, tick) })) {
      await this.container.deleteBlob(blob.name).catch((error: unknown) => {
        if (!isBlobStatus(error, 404)) throw error;
      });
    }
  }

  private async put(name: string, report: SweepReport, metadata: Record<string, string>): Promise<void> {
    const { body } = await encodeReportBlob(report);
    await this.ensureContainer();
    await this.container.getBlockBlobClient(name).uploadData(body, {
      blobHTTPHeaders: { blobContentType: 'application/gzip' },
      metadata,
    });
  }

  private async get(
    name: string,
    tick: string,
  ): Promise<{ report: SweepReport; metadata: Record<string, string> } | null> {
    try {
      const download = await this.container.getBlobClient(name).download();
      if (!download.readableStreamBody) return null;
      const report = await decodeReportBlob({
        startedAt: tick,
        body: download.readableStreamBody,
        ...(download.contentLength !== undefined ? { contentLength: download.contentLength } : {}),
      });
      return { report, metadata: download.metadata ?? {} };
    } catch (error) {
      if (isBlobStatus(error, 404)) return null;
      throw error;
    }
  }
}

function prefix(environment: EnvironmentName, tick: string): string {
  return `${environment}/${tick.replace(/[-:.]/g, '')}/`;
}

/** The report shape the codec reads and checks: hosts for a plan, paths for a shard's result. */
function asReport(
  at: { environment: EnvironmentName; startedAt: string },
  hosts: SweepReport['hosts'],
  paths: SweepReport['paths'],
  durationMs: number,
): SweepReport {
  return {
    schemaVersion: SCHEMA_VERSION,
    environment: at.environment,
    startedAt: at.startedAt,
    durationMs,
    status: 'unknown',
    hosts,
    paths,
    verdicts: [],
  };
}
