import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IKE_PROBE_ROOTFS_ENV,
  ikeProbeRootfsPath,
  packageRoot,
} from '../../../../shared/probes/ike/ike-probe-rootfs.js';

// A package laid out like a checkout: sources under shared/, the build under dist/shared/.
const root = mkdtempSync(join(tmpdir(), 'tw-rootfs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'package.json'), '{"name":"tunnelwatch"}');
for (const dir of ['shared/probes/ike', 'dist/shared/probes/ike'])
  mkdirSync(join(root, dir), { recursive: true });
const moduleAt = (dir: string) => pathToFileURL(join(root, dir, 'ike-probe-rootfs.js')).href;
const expected = join(root, 'dist', 'probe-image', 'ike-probe-rootfs.tar');

describe('ikeProbeRootfsPath', () => {
  it('resolves the same tarball from the sources and from dist/', () => {
    expect(ikeProbeRootfsPath({}, moduleAt('shared/probes/ike'))).toBe(expected);
    expect(ikeProbeRootfsPath({}, moduleAt('dist/shared/probes/ike'))).toBe(expected);
  });

  it('takes TUNNELWATCH_IKE_PROBE_ROOTFS over the default, made absolute', () => {
    expect(
      ikeProbeRootfsPath({ [IKE_PROBE_ROOTFS_ENV]: '/opt/tw/probe.tar' }, moduleAt('shared/probes/ike')),
    ).toBe('/opt/tw/probe.tar');
    expect(ikeProbeRootfsPath({ [IKE_PROBE_ROOTFS_ENV]: '  ' }, moduleAt('shared/probes/ike'))).toBe(
      expected,
    );
  });

  it('finds this checkout’s root from the real module', () => {
    expect(ikeProbeRootfsPath({})).toBe(join(process.cwd(), 'dist', 'probe-image', 'ike-probe-rootfs.tar'));
  });

  it('returns null above every package.json', () => {
    expect(packageRoot('/')).toBeNull();
  });
});
