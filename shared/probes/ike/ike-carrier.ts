import type { CallOptions, ContainerSummary, DockerHostClient } from '../../transport/docker-host-client.js';
import { IKE_PROBE_PATH } from './ike-probe-image.js';

/**
 * The IKE probe's carrier, the fallback for an agent that cannot take the program itself
 * (ike-agent-copy.ts: read-only root filesystem, noexec /tmp): one long-lived container per such
 * agent, sharing the agent's network and PID namespaces, running the probe program in its sleeping
 * `--carry` mode. Each sweep runs the program in it with one exec, beside the agent's batch.
 * It dies with the agent (its PID namespace ends) and the daemon then removes it (AutoRemove); a new
 * agent gets a new carrier. Everything about it is labelled, so `tunnelwatch cleanup` finds it.
 */
export const CARRIER_LABEL = 'io.tunnelwatch.carrier';
/** The carrier's image, so a carrier of an older probe program is replaced rather than used. */
export const CARRIER_IMAGE_LABEL = 'io.tunnelwatch.image';
/** The carrier process's name in the agent's PID namespace (what `ps` shows there). */
export const CARRIER_PROCESS_NAME = 'tunnelwatch-ike';

export interface CarrierImage {
  name: string;
  rootfs: () => Uint8Array;
}

// One entry per Docker client: a host has one agent, so the latest agent's carrier is all there is to
// remember. The clients live as long as the assembled sweep (serve, a warm Function instance).
const known = new WeakMap<DockerHostClient, { agentId: string; carrierId: string }>();

/** The carrier of `agentId` on this host: remembered, found by its label, or started now. */
export async function ensureCarrier(
  client: DockerHostClient,
  agentId: string,
  image: CarrierImage,
  opts: CallOptions,
): Promise<string> {
  const remembered = known.get(client);
  if (remembered?.agentId === agentId) return remembered.carrierId;
  // An earlier run (the one-shot CLI, another Function instance) may have left one running.
  const existing = (await client.listContainers(opts)).filter((c) => c.labels[CARRIER_LABEL] === agentId);
  const usable = existing.find((c) => c.state === 'running' && c.labels[CARRIER_IMAGE_LABEL] === image.name);
  // Carriers of an older program, or stopped ones: removed, best effort, never failing the probe.
  await Promise.all(
    existing.filter((c) => c !== usable).map((c) => client.removeContainer(c.id, opts).catch(() => {})),
  );
  let carrierId = usable?.id;
  if (!carrierId) {
    await client.ensureImage(image.name, image.rootfs, opts);
    carrierId = await client.startCarrier({
      image: image.name,
      ofContainer: agentId,
      argv: [IKE_PROBE_PATH, '--carry', CARRIER_PROCESS_NAME],
      labels: { [CARRIER_LABEL]: agentId, [CARRIER_IMAGE_LABEL]: image.name },
      ...opts,
    });
  }
  known.set(client, { agentId, carrierId });
  return carrierId;
}

/** Drops what is remembered about this host's carrier (it vanished): the next ensure looks again. */
export function forgetCarrier(client: DockerHostClient): void {
  known.delete(client);
}

/** The label of the one-shot IKE sidecars older versions started per sweep (AutoRemove, but a crash could leave one). */
const LEGACY_SIDECAR_LABEL = 'io.tunnelwatch.sidecar';

/**
 * Removes every container tunnelwatch started on this host (carriers, legacy sidecars), picked from
 * the host's list `containers`; returns their ids. What this client remembered is dropped, so the
 * next sweep starts a new carrier.
 */
export async function removeLeftovers(
  client: DockerHostClient,
  containers: readonly ContainerSummary[],
  opts: CallOptions,
): Promise<string[]> {
  const ids = containers
    .filter((c) => CARRIER_LABEL in c.labels || LEGACY_SIDECAR_LABEL in c.labels)
    .map((c) => c.id);
  await Promise.all(ids.map((id) => client.removeContainer(id, opts)));
  forgetCarrier(client);
  return ids;
}
