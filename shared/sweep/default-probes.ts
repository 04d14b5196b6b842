import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { IKE_PROBE_IMAGE, ikeAgentProbe } from '../probes/ike/ike-agent-probe.js';
import { ikeProbeRootfsPath } from '../probes/ike/ike-probe-rootfs.js';
import { ipsecSaExecProbe } from '../probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { mtuLadderProbe } from '../probes/ping/mtu-ladder-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../probes/ping/ping-exec-probe.js';

/**
 * The probe registry both shells (CLI, Timer Function) sweep with. New probe kinds are added here:
 * batch probes to EXEC_PROBES, Docker-API probes (the IKE sidecar) to AGENT_PROBES.
 */
export const EXEC_PROBES: readonly ExecProbe[] = [
  overlayIcmpProbe,
  underlayIcmpProbe,
  ipsecSaExecProbe,
  mtuLadderProbe,
];

/**
 * The IKE sidecar. Its rootfs tarball is located once, at load (TUNNELWATCH_IKE_PROBE_ROOTFS or
 * dist/probe-image/ under the package root); a missing tarball only matters on a host that lacks
 * the image, and then makes that agent's IKE paths `unknown` with the fix in the error.
 */
export const AGENT_PROBES: readonly AgentProbe[] = [
  ikeAgentProbe({ name: IKE_PROBE_IMAGE, rootfsTarPath: ikeProbeRootfsPath() }),
];
