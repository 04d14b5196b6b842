import type { AgentPreset, AgentSelector } from '../config/tunnelwatch-config.js';
import type { AgentLayout } from '../domain/sweep-report.js';
import type { ContainerSummary } from '../transport/docker-host-client.js';

/**
 * Where each Rancher 1.x generation keeps its IPsec agent (read from Rancher's own repositories):
 *  - 1.0–1.1: one Network Agent container (rancher/agent-instance), `io.rancher.container.system=NetworkAgent`;
 *  - 1.2–1.6: the `ipsec` infrastructure stack's router container, `io.rancher.stack.name=ipsec` and
 *    `io.rancher.stack_service.name=ipsec/ipsec`; its connectivity-check sidekick carries the same stack
 *    labels and is not the agent.
 * The registered host address lives in neither: it is CATTLE_AGENT_IP of the `rancher-agent` container.
 */
export const RANCHER_11_AGENT_LABEL = 'io.rancher.container.system=NetworkAgent';
export const RANCHER_16_STACK_LABEL = 'io.rancher.stack.name=ipsec';
export const RANCHER_16_SERVICE_LABEL = 'io.rancher.stack_service.name=ipsec/ipsec';
/** Rancher names each container of a service after its launch config; sidekicks carry their own. */
export const LAUNCH_CONFIG_LABEL = 'io.rancher.service.launch.config';
export const CONNECTIVITY_CHECK = 'connectivity-check';
/** The rancher/agent image's label, inherited by the long-running `rancher-agent` container. */
export const RANCHER_AGENT_LABEL = 'io.rancher.container.system=rancher-agent';
export const RANCHER_AGENT_NAME = 'rancher-agent';

export interface LayoutQuery {
  layout: AgentLayout;
  /** The label filter to list candidates with. */
  label: string;
  /** Which listed containers are agents. */
  accepts: (c: ContainerSummary) => boolean;
  /** What an operator reads in "no agent found". */
  describes: string;
}

const hasLabel = (c: ContainerSummary, filter: string) => {
  const [key, value] = filter.split('=', 2) as [string, string | undefined];
  return value === undefined ? key in c.labels : c.labels[key] === value;
};

const isSidekick = (c: ContainerSummary) =>
  c.labels[LAUNCH_CONFIG_LABEL] === CONNECTIVITY_CHECK ||
  c.names.some((n) => n.includes(CONNECTIVITY_CHECK)) ||
  c.image.includes(CONNECTIVITY_CHECK);

const RANCHER_11: LayoutQuery = {
  layout: 'rancher-1.1',
  label: RANCHER_11_AGENT_LABEL,
  accepts: (c) => hasLabel(c, RANCHER_11_AGENT_LABEL),
  describes: `a Rancher 1.1 Network Agent (${RANCHER_11_AGENT_LABEL})`,
};
const RANCHER_16: LayoutQuery = {
  layout: 'rancher-1.6',
  label: RANCHER_16_SERVICE_LABEL,
  accepts: (c) =>
    hasLabel(c, RANCHER_16_SERVICE_LABEL) && hasLabel(c, RANCHER_16_STACK_LABEL) && !isSidekick(c),
  describes: `a Rancher 1.6 ipsec router (${RANCHER_16_STACK_LABEL}, ${RANCHER_16_SERVICE_LABEL})`,
};

/** The layouts to look for, in preference order; an explicit selector is the only one. */
export function layoutQueries(selector: Pick<AgentSelector, 'preset' | 'selectorLabel'>): LayoutQuery[] {
  if (selector.selectorLabel !== null) {
    const label = selector.selectorLabel;
    return [
      {
        layout: 'custom',
        label,
        accepts: (c) => hasLabel(c, label),
        describes: `a container labelled ${label}`,
      },
    ];
  }
  const byPreset: Record<AgentPreset, LayoutQuery[]> = {
    // 1.6 first: a host upgraded from 1.1 may keep a stopped Network Agent around.
    auto: [RANCHER_16, RANCHER_11],
    'rancher-1.1': [RANCHER_11],
    'rancher-1.6': [RANCHER_16],
  };
  return byPreset[selector.preset];
}

/** The running `rancher-agent` container among those listed, preferring the one with that name. */
export function pickRancherAgent(containers: readonly ContainerSummary[]): ContainerSummary | null {
  const running = containers.filter((c) => c.state === 'running');
  return (
    running.find((c) => c.names.some((n) => n.replace(/^\//, '') === RANCHER_AGENT_NAME)) ??
    running[0] ??
    null
  );
}
