import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { DEFAULT_IKE_PROBE_IMAGE, ikeAgentProbe } from '../probes/ike/ike-agent-probe.js';
import { ipsecSaExecProbe } from '../probes/ipsec-sa/ipsec-sa-exec-probe.js';
import { mtuLadderProbe } from '../probes/ping/mtu-ladder-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../probes/ping/ping-exec-probe.js';

/**
 * The probe registry both shells (CLI, Timer Function) sweep with. New probe kinds are added here:
 * batch probes to EXEC_PROBES, probes that also need the Docker API (the IKE probe) to AGENT_PROBES.
 */
export const EXEC_PROBES: readonly ExecProbe[] = [
  overlayIcmpProbe,
  underlayIcmpProbe,
  ipsecSaExecProbe,
  mtuLadderProbe,
];

/**
 * The IKE probe: one committed static program (shared/probes/ike/ike-probe.c), put into each agent
 * once and run in its exec batch; its carrier image (the same program) is built in memory and
 * imported only for an agent that cannot take the program.
 */
export const AGENT_PROBES: readonly AgentProbe[] = [ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE)];
