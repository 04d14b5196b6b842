import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../shared/config/config-issue.js';
import { parseConfig } from '../../../shared/config/load-config.js';

const unixHost = (name: string) => ({ name, docker: { endpoint: `unix:///run/${name}.sock` } });

async function issuesOf(raw: unknown): Promise<string> {
  const result = await parseConfig(raw, '/nonexistent');
  if (result.ok) throw new Error('expected the config to be refused');
  return formatIssues(result.issues);
}

describe('environments', () => {
  it('reads a config with top-level hosts as the one environment "default", swept on every tick', async () => {
    const result = await parseConfig({ hosts: [unixHost('a')] }, '/nonexistent');
    if (!result.ok) throw new Error(formatIssues(result.issues));
    expect(result.config.environments.map((e) => [e.environment, e.schedule])).toEqual([['default', null]]);
  });

  it('reads named environments, each with its own hosts, settings and optional schedule', async () => {
    const result = await parseConfig(
      {
        environments: [
          { name: 'prod', hosts: [unixHost('h1'), unixHost('h2')], probes: { pingCount: 5 } },
          // The same host names in another environment are other hosts.
          {
            name: 'staging',
            schedule: '0 */5 * * * *',
            hosts: [unixHost('h1')],
            sweep: { deadlineMs: 8000 },
          },
        ],
      },
      '/nonexistent',
    );
    if (!result.ok) throw new Error(formatIssues(result.issues));
    const [prod, staging] = result.config.environments;
    expect(prod).toMatchObject({ environment: 'prod', schedule: null, probes: { pingCount: 5 } });
    expect(prod!.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
    expect(staging).toMatchObject({ environment: 'staging', sweep: { deadlineMs: 8000 } });
    expect(staging!.schedule?.expression).toBe('0 */5 * * * *');
    // Defaults fill in per environment.
    expect(staging!.probes.pingCount).toBe(3);
  });

  it('names the environment and field of every problem, with the fix', async () => {
    const text = await issuesOf({
      environments: [
        { name: 'prod', hosts: [unixHost('h1')] },
        { name: 'prod', hosts: [{ name: 'h1', docker: { endpoint: 'ftp://x' } }] },
        { name: 'Prod_2', schedule: '*/5 * * * *', hosts: [unixHost('h1')] },
      ],
    });
    expect(text).toContain(
      'environments[1].name: "prod" is already the name of environments[0]; names must be unique',
    );
    expect(text).toMatch(/environments\[1\]\.hosts\[0\]\.docker\.endpoint: /);
    expect(text).toContain('environments[2].name: must be lowercase letters, digits and "-"');
    expect(text).toMatch(/environments\[2\]\.schedule: expected 6 fields .* got 5/);
  });

  it('refuses top-level hosts beside environments instead of guessing which wins', async () => {
    const text = await issuesOf({ environments: [{ name: 'prod', hosts: [unixHost('h1')] }], hosts: [] });
    expect(text).toMatch(/hosts/);
    expect(await issuesOf({ environments: [] })).toContain('environments: list at least one environment');
    expect(await issuesOf({ environments: [{ hosts: [unixHost('h1')] }] })).toContain(
      'environments[0].name: required: a unique environment name',
    );
  });
});
