import { IKE_PROBE_BASE64, IKE_PROBE_SHA256 } from './ike-probe-binary.js';
import { rootfsTar } from './rootfs-tar.js';

/** Where the probe program sits in the sidecar image; the image holds nothing else. */
export const IKE_PROBE_PATH = '/ike-probe';

/**
 * The sidecar image's name. The tag is the program's content hash, so a host that has an older
 * probe imports the new one instead of running stale bytes, and nobody has to remember to bump it.
 */
export const IKE_PROBE_IMAGE = `tunnelwatch/ike-probe:${IKE_PROBE_SHA256.slice(0, 12)}`;

/** The program's bytes (a static x86_64 Linux executable, built from ike-probe.c). */
export function ikeProbeProgram(): Uint8Array {
  return new Uint8Array(Buffer.from(IKE_PROBE_BASE64, 'base64'));
}

/**
 * The image's root filesystem as a tarball for `docker import`: built in memory from the committed
 * program whenever a host lacks the image, so neither the build nor the deployment needs a file for it.
 */
export function ikeProbeRootfs(): Uint8Array {
  return rootfsTar([{ path: IKE_PROBE_PATH.slice(1), mode: 0o755, bytes: ikeProbeProgram() }]);
}
