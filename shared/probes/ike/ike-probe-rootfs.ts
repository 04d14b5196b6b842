import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Environment variable / app setting that points at the IKE probe rootfs tarball instead of the default. */
export const IKE_PROBE_ROOTFS_ENV = 'TUNNELWATCH_IKE_PROBE_ROOTFS';

/** Where scripts/build-probe-image.sh writes the tarball, relative to the package root. */
export const IKE_PROBE_ROOTFS_DEFAULT = join('dist', 'probe-image', 'ike-probe-rootfs.tar');

/**
 * The IKE probe sidecar's rootfs tarball: `TUNNELWATCH_IKE_PROBE_ROOTFS` when set, else
 * `dist/probe-image/ike-probe-rootfs.tar` under the package root. The root is found by walking up
 * from this module to the nearest package.json, so the same answer comes out of the sources (tsx:
 * shared/probes/ike/) and of the build (dist/shared/probes/ike/) — and of a deployed Function app,
 * whose root holds package.json. The file is not required to exist: it is read only when a host lacks
 * the image (see ikeAgentProbe).
 */
export function ikeProbeRootfsPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
  moduleUrl: string = import.meta.url,
): string {
  const override = env[IKE_PROBE_ROOTFS_ENV]?.trim();
  if (override) return resolve(override);
  const root = packageRoot(dirname(fileURLToPath(moduleUrl)));
  return join(root ?? process.cwd(), IKE_PROBE_ROOTFS_DEFAULT);
}

/** Nearest directory at or above `start` holding a package.json; null at the filesystem root. */
export function packageRoot(start: string): string | null {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}
