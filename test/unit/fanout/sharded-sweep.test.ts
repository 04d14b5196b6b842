import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { parseConfig } from '../../../shared/config/load-config.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import { needsShards, shardSources } from '../../../shared/fanout/sharded-sweep.js';

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
