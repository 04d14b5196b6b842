import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { LAB_RUN_DIR } from '../lab/address-plan.js';
import { down, status, up } from '../lab/lab.js';
import { labCgroups, labMounts, labNamespaces, labProcesses } from '../lab/lab-teardown.js';

const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');

describe.skipIf(skipReason !== '')('lab teardown', () => {
  it('down leaves no namespace, daemon, charon, mount, cgroup or file behind; up brings the lab back', async () => {
    expect((await labProcesses()).length).toBeGreaterThan(0);
    await down();
    expect(await labNamespaces()).toEqual([]);
    expect(await labProcesses()).toEqual([]);
    expect(await labMounts()).toEqual([]);
    expect(await labCgroups()).toEqual([]);
    expect(existsSync(LAB_RUN_DIR)).toBe(false);
    expect(existsSync('/sys/class/net/tw-br0')).toBe(false);
    const { stdout } = await import('node:child_process').then(({ execFileSync }) => ({
      stdout: execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }),
    }));
    expect(stdout).not.toContain(LAB_RUN_DIR);
    // Later files in this run share the lab: bring it back.
    await up({ hosts: hostCount });
    expect((await status()).up).toBe(true);
  });
});
