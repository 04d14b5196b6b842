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
  /** Which of the host's containers are agents (picked from the one unfiltered list). */
  accepts: (c: ContainerSummary) => boolean;
  /** What an operator reads in "no agent found". */
  describes: string;
}

/** Docker's `label` filter semantics, `key` or `key=value`, applied in TypeScript. */
export function hasLabel(c: Pick<ContainerSummary, 'labels'>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return Object.hasOwn(c.labels, filter);
  return (
    Object.hasOwn(c.labels, filter.slice(0, eq)) && c.labels[filter.slice(0, eq)] === filter.slice(eq + 1)
  );
}

const isSidekick = (c: ContainerSummary) =>
  c.labels[LAUNCH_CONFIG_LABEL] === CONNECTIVITY_CHECK ||
  c.names.some((n) => n.includes(CONNECTIVITY_CHECK)) ||
  c.image.includes(CONNECTIVITY_CHECK);

const RANCHER_11: LayoutQuery = {
  layout: 'rancher-1.1',
  accepts: (c) => hasLabel(c, RANCHER_11_AGENT_LABEL),
  describes: `a Rancher 1.1 Network Agent (${RANCHER_11_AGENT_LABEL})`,
};
const RANCHER_16: LayoutQuery = {
  layout: 'rancher-1.6',
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

/** The running `rancher-agent` container among the host's containers, preferring the one with that name. */
export function pickRancherAgent(containers: readonly ContainerSummary[]): ContainerSummary | null {
  const running = containers.filter((c) => c.state === 'running' && hasLabel(c, RANCHER_AGENT_LABEL));
  return (
    running.find((c) => c.names.some((n) => n.replace(/^\//, '') === RANCHER_AGENT_NAME)) ??
    running[0] ??
    null
  );
}

/** What the host's container list says about its agent; discover-host.ts turns it into a HostResult. */
export type AgentPick =
  | { kind: 'missing'; looked: string }
  | { kind: 'stopped'; layout: LayoutQuery; containers: ContainerSummary[] }
  | { kind: 'multiple'; layout: LayoutQuery; containers: ContainerSummary[] }
  | { kind: 'found'; layout: LayoutQuery; container: ContainerSummary };

/** The first layout with a running agent wins; else the first with any agent (stopped). Pure. */
export function pickAgent(
  containers: readonly ContainerSummary[],
  selector: Pick<AgentSelector, 'preset' | 'selectorLabel'>,
): AgentPick {
  const queries = layoutQueries(selector);
  const found = queries.map((layout) => ({ layout, containers: containers.filter(layout.accepts) }));
  const pick =
    found.find((f) => f.containers.some((c) => c.state === 'running')) ??
    found.find((f) => f.containers.length > 0);
  if (!pick) return { kind: 'missing', looked: queries.map((q) => q.describes).join(' or ') };
  const running = pick.containers.filter((c) => c.state === 'running');
  if (running.length === 0) return { kind: 'stopped', layout: pick.layout, containers: pick.containers };
  if (running.length > 1) return { kind: 'multiple', layout: pick.layout, containers: running };
  return { kind: 'found', layout: pick.layout, container: running[0]! };
}
