// The simulated fleet without the wire: DockerHostClient fakes answering from the same fleet plan
// and simulated agents as the unix-socket daemons, instantly. For measuring what the monitor's core
// costs per pair without HTTP in the way, and for unit tests that count work.
import type { HostConfig } from '../../../shared/config/tunnelwatch-config.js';
import {
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  type ExecResult,
  TransportError,
} from '../../../shared/transport/docker-host-client.js';
import {
  agentStopped,
  dockerDown,
  FLEET_OVERLAY_LABEL,
  type FleetHost,
  type FleetPlan,
} from './fleet-plan.js';
import { agentExec, ikeSidecar, tarEntryNames } from './simulated-agent.js';

class InProcessFleetClient implements DockerHostClient {
  calls = 0;
  /** Paths put into the agent through the API (the IKE probe program). */
  readonly files = new Set<string>();
  constructor(
    readonly plan: FleetPlan,
    readonly host: FleetHost,
  ) {}

  #enter(): void {
    this.calls++;
    if (dockerDown(this.plan, this.host)) {
      throw new TransportError(
        'unreachable',
        `unix://${this.host.name}.sock: Docker endpoint unreachable (ENOENT)`,
      );
    }
  }

  /** Only the agent is listed: a carrier "lives" for the exec that asks for it. */
  async listContainers(): Promise<ContainerSummary[]> {
    this.#enter();
    const h = this.host;
    return [
      {
        id: h.agentId,
        names: ['network-agent'],
        image: 'rancher/agent-instance:v0.3.0',
        state: agentStopped(this.plan, h) ? 'exited' : 'running',
        labels: { 'io.rancher.container.system': 'NetworkAgent', [FLEET_OVERLAY_LABEL]: `${h.overlayIp}/16` },
        dockerIps: ['172.17.0.2'],
      },
    ];
  }

  async inspectContainer(): Promise<ContainerDetails> {
    this.#enter();
    const h = this.host;
    return {
      id: h.agentId,
      name: 'network-agent',
      running: !agentStopped(this.plan, h),
      labels: { 'io.rancher.container.system': 'NetworkAgent', [FLEET_OVERLAY_LABEL]: `${h.overlayIp}/16` },
      env: [`CATTLE_AGENT_IP=${h.advertisedIp}`],
    };
  }

  async exec(containerId: string, argv: string[]): Promise<ExecResult> {
    this.#enter();
    if (containerId === carrierOf(this.host)) return ikeSidecar(this.plan, this.host, argv);
    if (agentStopped(this.plan, this.host))
      throw new TransportError('conflict', 'container is not running', 409);
    return agentExec(this.plan, this.host, argv, this.files);
  }

  async putArchive(containerId: string, directory: string, tarball: Uint8Array): Promise<void> {
    this.#enter();
    if (containerId !== this.host.agentId) throw new TransportError('not-found', 'no such container', 404);
    for (const name of tarEntryNames(tarball)) this.files.add(`${directory}/${name}`);
  }

  async startCarrier(): Promise<string> {
    this.#enter();
    return carrierOf(this.host);
  }

  async removeContainer(): Promise<void> {
    this.#enter();
  }

  async ensureImage(): Promise<void> {
    this.#enter();
  }

  async close(): Promise<void> {}
}

const carrierOf = (h: FleetHost) => `carrier-${h.agentId.slice(0, 12)}`;

/** One instant client per fleet host, looked up by name. */
export function inProcessFleetClients(plan: FleetPlan): {
  clientFor: (host: HostConfig) => DockerHostClient;
  calls: () => number;
} {
  const clients = new Map(plan.hosts.map((h) => [h.name as string, new InProcessFleetClient(plan, h)]));
  return {
    clientFor: (host) => {
      const client = clients.get(host.name);
      if (!client) throw new Error(`${host.name} is not a host of this fleet`);
      return client;
    },
    calls: () => [...clients.values()].reduce((n, c) => n + c.calls, 0),
  };
}
