import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { parseConfig } from '../../../shared/config/load-config.js';

// sweep.sampling: off unless written, and every wrong value refused with the field named.
const FIXTURES = new URL('../../fixtures/config/', import.meta.url).pathname;
const hosts = [{ name: 'a', docker: { endpoint: 'unix:///run/a.sock' } }];

async function parse(sweep: object) {
  return parseConfig({ hosts, sweep }, FIXTURES);
}
async function issues(sweep: object): Promise<string | null> {
  const result = await parse(sweep);
  return result.ok ? null : formatIssues(result.issues);
}

describe('sweep.sampling', () => {
  it('is off by default: the loaded config has no sampling', async () => {
    const result = await parse({});
    expect(result.ok && result.config.environments[0]!.sweep.sampling).toBeUndefined();
  });

  it('loads with the rotation defaulting to one minute (the default schedule)', async () => {
    const result = await parse({ sampling: { aboveHosts: 20, peersPerSweep: 5 } });
    expect(result.ok && result.config.environments[0]!.sweep.sampling).toEqual({
      aboveHosts: 20,
      peersPerSweep: 5,
      rotationMs: 60_000,
    });
  });

  it.each([
    [{ aboveHosts: 2, peersPerSweep: 1 }, null],
    [{ aboveHosts: 20, peersPerSweep: 19, rotationMs: 20_000 }, null],
    [{ peersPerSweep: 5 }, 'sweep.sampling.aboveHosts: required'],
    [{ aboveHosts: 20 }, 'sweep.sampling.peersPerSweep: required'],
    [{ aboveHosts: 1, peersPerSweep: 1 }, 'sweep.sampling.aboveHosts: must be at least 2'],
    [{ aboveHosts: 20.5, peersPerSweep: 1 }, 'sweep.sampling.aboveHosts: must be a whole number'],
    [{ aboveHosts: 20, peersPerSweep: 0 }, 'sweep.sampling.peersPerSweep: must be at least 1'],
    [{ aboveHosts: 20, peersPerSweep: 2.5 }, 'sweep.sampling.peersPerSweep: must be a whole number'],
    [
      { aboveHosts: 20, peersPerSweep: 20 },
      'sweep.sampling.peersPerSweep: 20 peers per sweep is not fewer than aboveHosts (20)',
    ],
    [
      { aboveHosts: 20, peersPerSweep: 5, rotationMs: 999 },
      'sweep.sampling.rotationMs: must be at least 1000',
    ],
    [
      { aboveHosts: 20, peersPerSweep: 5, rotationMs: 19_999 },
      'sweep.sampling.rotationMs: 19999 ms is shorter than sweep.deadlineMs (20000 ms)',
    ],
    [{ aboveHosts: 20, peersPerSweep: 5, every: 3 }, 'sweep.sampling'],
  ])('%j', async (sampling, expected) => {
    const found = await issues({ sampling });
    if (expected === null) expect(found).toBeNull();
    else expect(found).toContain(expected);
  });
});

describe('sweep.sampling and sweep.shardSources: every refusal says what a right value is', () => {
  it.each([
    [
      { sampling: { peersPerSweep: 2 } },
      'sweep.sampling.aboveHosts: required: sample peers only in meshes of more than this many hosts',
    ],
    [
      { sampling: { aboveHosts: 1, peersPerSweep: 1 } },
      'sweep.sampling.aboveHosts: must be at least 2 (a mesh of 2 hosts has one peer per agent)',
    ],
    [
      { sampling: { aboveHosts: 10 } },
      'sweep.sampling.peersPerSweep: required: how many peers each agent probes per sweep',
    ],
    [{ sampling: { aboveHosts: 10, peersPerSweep: 0 } }, 'sweep.sampling.peersPerSweep: must be at least 1'],
    [
      { sampling: { aboveHosts: 10, peersPerSweep: 2, rotationMs: 60_000.5 } },
      'sweep.sampling.rotationMs: must be a whole number of milliseconds',
    ],
    [
      { sampling: { aboveHosts: 10, peersPerSweep: 2, rotationMs: 999 } },
      'sweep.sampling.rotationMs: must be at least 1000 (one rotation step per sweep interval)',
    ],
    [
      { sampling: { aboveHosts: 10, peersPerSweep: 2, rotationMs: 86_400_001 } },
      'sweep.sampling.rotationMs: must be at most a day (86400000)',
    ],
    [{ shardSources: 2.5 }, 'sweep.shardSources: must be a whole number of hosts'],
    // Without wording of the schema's own, a bound says itself.
    [{ shardSources: 0 }, 'sweep.shardSources: must be at least 1'],
    [{ shardSources: 1001 }, 'sweep.shardSources: must be at most 1000'],
  ])('%j', async (sweep, message) => {
    expect(await issues(sweep)).toContain(message);
  });

  it('a config whose environments list is missing says what to write', async () => {
    const result = await parseConfig({ environments: undefined }, FIXTURES);
    expect(result.ok ? '' : formatIssues(result.issues)).toContain(
      'environments: required: list the environments to sweep',
    );
  });
});
