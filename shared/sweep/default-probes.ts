import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { DEFAULT_IKE_PROBE_IMAGE, ikeAgentProbe } from '../probes/ike/ike-agent-probe.js';
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
 * The IKE sidecar. Its image is one committed static program (shared/probes/ike/ike-probe.c); the
 * rootfs tarball is built in memory and imported only onto a host that lacks the image.
 */
export const AGENT_PROBES: readonly AgentProbe[] = [ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE)];
