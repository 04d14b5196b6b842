import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { parseConfig } from '../../../shared/config/load-config.js';
import { diagnose } from '../../../shared/diagnosis/diagnose.js';
import type { EnvironmentName } from '../../../shared/domain/environment-name.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import {
  finishShardedSweep,
  needsShards,
  type ShardedSweepPlan,
  shardSources,
} from '../../../shared/fanout/sharded-sweep.js';
import { buildReport } from '../../support/sweep-report-builder.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}` as HostName);
const host = (name: string) => ({ name, docker: { endpoint: `unix:///run/${name}.sock` } });

describe('shards of source hosts', () => {
  it('cuts the hosts into consecutive runs of at most the shard size, every host in exactly one', () => {
    expect(shardSources(names(5), 2)).toEqual([['h1', 'h2'], ['h3', 'h4'], ['h5']]);
    expect(shardSources(names(4), 4)).toEqual([names(4)]);
    for (const [n, size] of [
      [200, 100],
      [201, 100],
      [7, 3],
      [1, 1],
    ] as const) {
      const shards = shardSources(names(n), size);
      expect(shards.flat()).toEqual(names(n));
      expect(shards).toHaveLength(Math.ceil(n / size));
      expect(shards.every((s) => s.length <= size && s.length > 0)).toBe(true);
    }
  });

  it('shards only an environment with more hosts than sweep.shardSources, and only when it is set', async () => {
    const load = async (hosts: number, sweep: object) => {
      const result = await parseConfig({ hosts: names(hosts).map(host), sweep }, '/nonexistent');
      if (!result.ok) throw new Error(formatIssues(result.issues));
      return result.config.environments[0]!;
    };
    expect(needsShards(await load(3, {}))).toBe(false);
    expect(needsShards(await load(3, { shardSources: 3 }))).toBe(false);
    expect(needsShards(await load(4, { shardSources: 3 }))).toBe(true);
    const refused = await parseConfig({ hosts: [host('a')], sweep: { shardSources: 0 } }, '/nonexistent');
    expect(refused.ok ? '' : formatIssues(refused.issues)).toMatch(/sweep\.shardSources: /);
  });
});

describe('finishing a sharded sweep', () => {
  const base = buildReport({ hosts: 3 });
  const overlayFrom = (name: string) =>
    base.paths.filter((p) => p.from === name && p.probe === 'overlay-icmp');
  const plan = (hosts = base.hosts): ShardedSweepPlan => ({
    environment: 'big' as EnvironmentName,
    tick: '2026-12-06T10:00:00.000Z',
    startedAt: '2026-12-06T10:00:00.250Z',
    shards: [['h1'], ['h2'], ['h3']] as HostName[][],
    hosts,
  });
  const config = async () => {
    const result = await parseConfig({ hosts: ['h1', 'h2', 'h3'].map(host) }, '/nonexistent');
    if (!result.ok) throw new Error(formatIssues(result.issues));
    return result.config.environments[0]!;
  };

  it('diagnoses every pair from the shards that reported; a lost shard`s paths are unknown with the reason', async () => {
    const report = finishShardedSweep(
      await config(),
      plan(),
      [
        { shard: 2, paths: overlayFrom('h3'), durationMs: 900 },
        { shard: 0, paths: overlayFrom('h1'), durationMs: 1200 },
      ],
      ['overlay-icmp'],
      { diagnose },
    );
    expect(report.startedAt).toBe('2026-12-06T10:00:00.250Z');
    // The sweep took as long as its slowest shard.
    expect(report.durationMs).toBe(1200);
    expect(report.verdicts).toHaveLength(6);
    const lost = report.paths.filter((p) => p.from === 'h2');
    expect(lost.map((p) => [p.to, p.probe, p.state])).toEqual([
      ['h1', 'overlay-icmp', 'unknown'],
      ['h3', 'overlay-icmp', 'unknown'],
    ]);
    expect(lost[0]!.error).toBe('shard 2 of 3 (sources h2…h2) did not report before the sweep deadline');
    expect(report.paths.filter((p) => p.from === 'h1')).toEqual(overlayFrom('h1'));
    // The reported paths and the lost shard's, nothing else.
    expect(report.paths).toHaveLength(6);
  });

  it('adds no paths for a lost source without an agent: discovery already speaks for it', async () => {
    const hosts = base.hosts.map((h) =>
      h.name === 'h2' ? { ...h, agent: null, state: 'down' as const } : h,
    );
    const report = finishShardedSweep(await config(), plan(hosts), [], ['overlay-icmp'], { diagnose });
    expect(report.paths.filter((p) => p.from === 'h2')).toEqual([]);
    expect(report.paths.filter((p) => p.from === 'h1')).toHaveLength(2);
    expect(report.durationMs).toBe(0);
  });
});
