import type { AgentProbe, ExecProbe } from '../probes/agent-probe.js';
import { overlayIcmpProbe, underlayIcmpProbe } from '../probes/ping/ping-exec-probe.js';

/**
 * The probe registry both shells (CLI, Timer Function) sweep with. New probe kinds are added here:
 * batch probes to EXEC_PROBES, Docker-API probes (the IKE sidecar) to AGENT_PROBES.
 */
export const EXEC_PROBES: readonly ExecProbe[] = [overlayIcmpProbe, underlayIcmpProbe];
export const AGENT_PROBES: readonly AgentProbe[] = [];
