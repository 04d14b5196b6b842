import {
  type CallOptions,
  type DockerHostClient,
  isTransportError,
} from '../../transport/docker-host-client.js';
import { IKE_PROBE_SHA256 } from './ike-probe-binary.js';
import { ikeProbeProgram } from './ike-probe-image.js';
import { rootfsTar } from './rootfs-tar.js';

/**
 * The IKE probe program put INTO the agent container, so the agent's own exec batch runs it (op
 * `ike-probe`, shared/probes/exec-batch.ts) and a sweep costs no request beyond the batch's. One
 * file, named by the program's content hash (a changed program is a new file, never stale bytes),
 * in /tmp because every agent image has one; root-owned, 0755, so in the sticky /tmp no other user
 * of the agent can replace it. `tunnelwatch cleanup` removes it, and any older version's copy.
 */
export const IKE_PROBE_HASH = IKE_PROBE_SHA256.slice(0, 12);
export const IKE_PROBE_AGENT_DIR = '/tmp';
export const IKE_PROBE_AGENT_FILE = `tunnelwatch-ike-probe-${IKE_PROBE_HASH}`;
/** What the batch script runs: `/tmp/tunnelwatch-ike-probe-$HASH` (its path is fixed there too). */
export const IKE_PROBE_AGENT_PATH = `${IKE_PROBE_AGENT_DIR}/${IKE_PROBE_AGENT_FILE}`;

/** The archive `PUT /containers/{id}/archive?path=/tmp` unpacks: the one program file. */
export function ikeProbeAgentTar(): Uint8Array {
  return rootfsTar([{ path: IKE_PROBE_AGENT_FILE, mode: 0o755, bytes: ikeProbeProgram() }]);
}

/**
 * How an agent runs the IKE probe: `in-agent`, the program was put into it by this process; or
 * `carrier`, the agent refused it (read-only root filesystem, /tmp mounted noexec, the upload
 * refused) and the probe runs in a carrier container sharing its network namespace (ike-carrier.ts).
 */
export type IkeProbeHome = 'in-agent' | 'carrier';

// One entry per Docker client, like the carrier's: a host has one agent, so its latest agent is all
// there is to remember. The clients live as long as the assembled sweep (serve, a warm Function
// instance); a one-shot run starts with nothing known and puts the program in once.
const known = new WeakMap<DockerHostClient, { agentId: string; home: IkeProbeHome }>();

/** Where `agentId` runs the IKE probe, as far as this process knows (null: not asked yet). */
export function knownHome(client: DockerHostClient, agentId: string): IkeProbeHome | null {
  const k = known.get(client);
  return k?.agentId === agentId ? k.home : null;
}

export function rememberHome(client: DockerHostClient, agentId: string, home: IkeProbeHome): void {
  known.set(client, { agentId, home });
}

/** Drops what is remembered (the program went missing, or cleanup removed it): the next sweep asks again. */
export function forgetHome(client: DockerHostClient): void {
  known.delete(client);
}

/**
 * Puts the program into the agent (one request; the same bytes again when it is already there) and
 * remembers the outcome: `in-agent` once it is in, `carrier` when the daemon refused it. Transport
 * failures (unreachable, timeout) and 409 reject and leave nothing remembered.
 */
export async function putProgramInto(
  client: DockerHostClient,
  agentId: string,
  opts: CallOptions,
): Promise<IkeProbeHome> {
  try {
    await client.putArchive(agentId, IKE_PROBE_AGENT_DIR, ikeProbeAgentTar(), opts);
    rememberHome(client, agentId, 'in-agent');
    return 'in-agent';
  } catch (e) {
    if (!isRefusal(e)) throw e;
    rememberHome(client, agentId, 'carrier');
    return 'carrier';
  }
}

/**
 * The daemon answered and said no (403 read-only root filesystem, 404 no /tmp, 400, 500 …), as
 * opposed to not answering, or 409 (the agent is not running: its batch fails too, and says so).
 * Decided by the status code, never by the text. A 404 for an agent that is gone marks only that
 * dead id; its successor has a new one.
 */
function isRefusal(e: unknown): boolean {
  return isTransportError(e) && e.statusCode !== undefined && e.kind !== 'conflict';
}

/**
 * What `tunnelwatch cleanup` runs in an agent, a constant (no data in it): every copy of the program,
 * this version's and any an older tunnelwatch put there (`tunnelwatch-ike-probe-` and a 12-digit
 * hash), and any batch directory an interrupted batch left (`tunnelwatch-` and its 16-digit nonce;
 * a finished batch removes its own). The two patterns cannot match each other's names.
 */
export const AGENT_CLEANUP_SCRIPT =
  'rm -f /tmp/tunnelwatch-ike-probe-???????????? && rm -rf /tmp/tunnelwatch-????????????????';

/** Removes what tunnelwatch put into a running agent (AGENT_CLEANUP_SCRIPT). */
export async function removeProgramFrom(
  client: DockerHostClient,
  agentId: string,
  opts: CallOptions,
): Promise<boolean> {
  forgetHome(client);
  const result = await client.exec(agentId, ['sh', '-c', AGENT_CLEANUP_SCRIPT], opts);
  return result.exitCode === 0;
}
