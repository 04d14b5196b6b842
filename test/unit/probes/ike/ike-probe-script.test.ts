import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IKE_PROBE_SCRIPT } from '../../../../shared/probes/ike/ike-probe-script.js';

// The sidecar image's bash (Debian bash-static, installed by scripts/setup.sh). These runs send no
// packet: they only exercise the script's parsing and its argument checks.
const BASH = '/bin/bash-static';
const TMPDIR = mkdtempSync(join(tmpdir(), 'tw-ike-script-'));
afterAll(() => rmSync(TMPDIR, { recursive: true, force: true }));
const run = (...args: string[]) =>
  spawnSync(BASH, ['-c', IKE_PROBE_SCRIPT, 'ike-probe', ...args], {
    encoding: 'utf8',
    env: { PATH: '/nonexistent', TMPDIR },
  });

describe('IKE_PROBE_SCRIPT', () => {
  it('is valid bash', () => {
    const check = spawnSync(BASH, ['-n'], { input: IKE_PROBE_SCRIPT, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('refuses a malformed timeout before doing anything', () => {
    const r = run('1; rm -rf /', 'p0-500', '198.18.0.12', '500', 'aa');
    expect(r.stdout.trim()).toBe('- error bad-timeout');
    expect(r.status).toBe(2);
  });

  it.each([
    [['p0-500', '198.18.0.12;id', '500', 'aabb'], 'p0-500 error bad-ip'],
    [['p0-500', '198.18.0.12', '22', 'aabb'], 'p0-500 error bad-port'],
    [['p0-500', '198.18.0.12', '500', 'aa$(id)'], 'p0-500 error bad-hex'],
    [['p0-500', '198.18.0.12', '500', 'aab'], 'p0-500 error bad-hex'],
    [['P0;x', '198.18.0.12', '500', 'aabb'], '- error bad-id'],
  ])('re-checks every target (%j) and skips bad ones', (target, line) => {
    const r = spawnSync(BASH, ['-c', IKE_PROBE_SCRIPT, 'ike-probe', '0.100', ...target], {
      encoding: 'utf8',
      env: { PATH: '/bin', TMPDIR },
    });
    expect(r.stdout.trim()).toBe(line);
  });
});
