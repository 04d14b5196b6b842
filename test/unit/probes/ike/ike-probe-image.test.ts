import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileIkeProbe } from '../../../../scripts/build-ike-probe.js';
import { IKE_PROBE_COMPILER, IKE_PROBE_SHA256 } from '../../../../shared/probes/ike/ike-probe-binary.js';
import {
  IKE_PROBE_IMAGE,
  IKE_PROBE_PATH,
  ikeProbeProgram,
  ikeProbeRootfs,
} from '../../../../shared/probes/ike/ike-probe-image.js';
import { rootfsTar } from '../../../../shared/probes/ike/rootfs-tar.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-ike-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('the committed IKE probe program', () => {
  it('is what ike-probe.c compiles to (rebuilt here with gcc and the committed flags)', () => {
    const rebuilt = compileIkeProbe();
    // Another gcc may lay the same program out differently; this machine kind's gcc built the bytes.
    expect(rebuilt.compiler).toBe(IKE_PROBE_COMPILER);
    expect(sha256(rebuilt.bytes)).toBe(IKE_PROBE_SHA256);
    expect(Buffer.from(rebuilt.bytes).equals(Buffer.from(ikeProbeProgram()))).toBe(true);
  });

  it('is a small static x86_64 Linux executable with no interpreter', () => {
    const bytes = ikeProbeProgram();
    expect(sha256(bytes)).toBe(IKE_PROBE_SHA256);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('\x7fELF');
    expect(bytes[4]).toBe(2); // 64-bit
    expect(Buffer.from(bytes).readUInt16LE(18)).toBe(62); // EM_X86_64
    expect(Buffer.from(bytes).readUInt16LE(16)).toBe(2); // ET_EXEC: not PIE, nothing to relocate
    expect(Buffer.from(bytes).includes('ld-linux')).toBe(false);
    expect(bytes.length).toBeLessThan(32 * 1024);
  });

  it('names its image by its content, so a changed program is a new image on every host', () => {
    expect(IKE_PROBE_IMAGE).toBe(`tunnelwatch/ike-probe:${IKE_PROBE_SHA256.slice(0, 12)}`);
  });
});

describe('the sidecar rootfs tarball', () => {
  it('holds exactly the program, executable, owned by root, and is the same bytes every time', () => {
    const tar = ikeProbeRootfs();
    expect(Buffer.from(tar).equals(Buffer.from(ikeProbeRootfs()))).toBe(true);
    const file = join(dir, 'rootfs.tar');
    writeFileSync(file, tar);
    // GNU tar is the independent reader here.
    const list = spawnSync('tar', ['-tvf', file, '--numeric-owner'], { encoding: 'utf8' });
    expect(list.stderr).toBe('');
    const [line, ...rest] = list.stdout.trim().split('\n');
    expect(rest).toEqual([]);
    expect(line).toMatch(
      new RegExp(`^-rwxr-xr-x 0/0 +${ikeProbeProgram().length} 1970-01-01 00:00 ike-probe$`),
    );
    const out = join(dir, 'x');
    spawnSync('mkdir', [out]);
    const extract = spawnSync('tar', ['-xf', file, '-C', out], { encoding: 'utf8' });
    expect(extract.status).toBe(0);
    expect(readFileSync(join(out, IKE_PROBE_PATH.slice(1))).equals(Buffer.from(ikeProbeProgram()))).toBe(
      true,
    );
  });

  it('pads to 512-byte blocks and ends with two zero blocks', () => {
    const tar = rootfsTar([{ path: 'a', mode: 0o644, bytes: new Uint8Array(513).fill(7) }]);
    expect(tar.length).toBe(512 + 1024 + 1024);
    expect(tar.subarray(512 + 513).every((b) => b === 0)).toBe(true);
  });

  it.each(['/abs', '../up', 'a/../b', `${'x'.repeat(101)}`, 'sp ace', ''])(
    'refuses the path %j instead of writing a tarball docker would misread',
    (path) => {
      expect(() => rootfsTar([{ path, mode: 0o644, bytes: new Uint8Array(1) }])).toThrow(RangeError);
    },
  );
});
