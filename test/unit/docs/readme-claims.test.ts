// The README's figures and rules, checked against what the code does (not against the code's constants).
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  initialAlertState,
  nextAlertState,
  type PairObservation,
} from '../../../shared/alerts/alert-state.js';
import { hostPair } from '../../../shared/alerts/pair-key.js';
import { runCli } from '../../../shared/cli/run-cli.js';
import { parseConfig } from '../../../shared/config/load-config.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import { STATES } from '../../../shared/domain/sweep-report.js';
import { exitCodeFor } from '../../../shared/report/exit-code.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** Rows `| code | meaning |` of the README's exit-code table. */
function exitCodeTable(): Map<number, string> {
  const section = README.slice(README.indexOf('### Exit codes'));
  const rows = section.slice(0, section.indexOf('\n## ')).matchAll(/^\| (\d+) \| (.+) \|$/gm);
  return new Map([...rows].map((m) => [Number(m[1]), m[2]!]));
}

async function cli(argv: string[]) {
  let stderr = '';
  let stdout = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe('README: exit codes', () => {
  it('gives each sweep state the code its table row names', () => {
    const table = exitCodeTable();
    for (const state of STATES) {
      const rows = [...table].filter(([, meaning]) =>
        new RegExp(`\\b${state}\\b`).test(meaning.split(/[(:]/)[0]!),
      );
      expect(
        rows.map(([code]) => code),
        state,
      ).toEqual([exitCodeFor(state)]);
    }
  });

  it('refuses the bad config it quotes with the code of its "usage or config error" row and that message', async () => {
    const usage = [...exitCodeTable()].find(([, meaning]) => meaning === 'usage or config error')?.[0];
    const quoted =
      /A bad config is refused with exit code (\d+) and a message naming the field and the fix, e\.g\.\n`([^`]+)`/.exec(
        README,
      );
    expect(quoted).not.toBeNull();
    expect(Number(quoted![1])).toBe(usage);
    const dir = await mkdtemp(join(tmpdir(), 'tw-readme-'));
    const path = join(dir, 'tunnelwatch.json');
    await writeFile(
      path,
      JSON.stringify({
        hosts: [
          { name: 'h1', docker: { endpoint: 'unix:///run/tw-readme-h1.sock' } },
          { name: 'h2', docker: { endpoint: 'tcp://198.18.0.12:2376' } },
        ],
      }),
    );
    const r = await cli(['sweep', '--config', path]);
    expect(r.code).toBe(usage);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(quoted![2]);
    // And a bad flag is a usage error with the same code, distinct from every sweep state's.
    expect((await cli(['sweep', '--no-such-flag'])).code).toBe(usage);
    expect(STATES.map(exitCodeFor)).not.toContain(usage);
  });
});

describe('README: config defaults', () => {
  it('lists the probe and sweep defaults a config without them gets', async () => {
    const line = (key: string) => {
      const m = new RegExp(`^${key}: (\\{.*\\})$`, 'm').exec(README);
      expect(m, key).not.toBeNull();
      return parseYaml(m![1]!);
    };
    const result = await parseConfig(
      { hosts: [{ name: 'h1', docker: { endpoint: 'unix:///run/x.sock' } }] },
      '/',
    );
    if (!result.ok) throw new Error('minimal config refused');
    expect(result.config.environments[0]!.probes).toEqual(line('probes'));
    expect(result.config.environments[0]!.sweep).toEqual(line('sweep'));
  });
});

describe('README: alert hysteresis', () => {
  it('opens after the failing sweeps and resolves after the healthy ones it says, with the default policy', () => {
    const m = /alerts open\s+after (\d+) failing sweeps and resolve after (\d+) healthy ones/.exec(README);
    expect(m).not.toBeNull();
    const [openAfter, resolveAfter] = [Number(m![1]), Number(m![2])];
    const fail: PairObservation = { kind: 'failing', cause: 'tunnel-down', advice: '', evidence: [] };
    let state = initialAlertState(hostPair('h1' as HostName, 'h2' as HostName));
    const at = new Date(0);
    const sweepsUntil = (observation: PairObservation, transition: 'opened' | 'resolved') => {
      for (let i = 1; i <= 10; i++) {
        const next = nextAlertState(state, observation, at);
        state = next.state;
        if (next.transition === transition) return i;
      }
      return null;
    };
    expect(sweepsUntil(fail, 'opened')).toBe(openAfter);
    expect(sweepsUntil({ kind: 'healthy' }, 'resolved')).toBe(resolveAfter);
  });
});

describe('README: Docker API cost', () => {
  it('states the per-agent request count docs/probes.md itemises (counted by test/integration/docker-api-cost.test.ts)', () => {
    const probes = readFileSync(new URL('../../../docs/probes.md', import.meta.url), 'utf8');
    const documented = /\*\*(\d+) in all\*\*/.exec(probes)?.[1];
    expect(documented).toBeDefined();
    expect(/(\d+) Docker API requests in all/.exec(README)?.[1]).toBe(documented);
  });
});
