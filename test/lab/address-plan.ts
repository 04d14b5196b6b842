// The lab's addressing, in one place: every address the lab hands to a command is derived here from a
// host index, so the only numbers that ever reach `ip`, `nft` or `docker` are ones this module produced.
import { type Ipv4, parseIpv4 } from '../../shared/domain/ipv4.js';

export const MAX_LAB_HOSTS = 8;
export const LAB_BRIDGE = 'tw-br0';
export const MONITOR_IP = '198.18.0.1' as Ipv4;
export const UNDERLAY_PREFIX = 24;
export const OVERLAY_PREFIX = 16;
/** The address `wrong-agent-ip` advertises: inside the underlay /24 but owned by no namespace. */
export const WRONG_AGENT_IP = '198.18.0.250' as Ipv4;
export const DOCKER_TLS_PORT = 2376;
export const LAB_RUN_DIR = '/run/tunnelwatch-lab';
export const LAB_CACHE_DIR = '/var/cache/tunnelwatch-lab';
export const AGENT_CONTAINER_NAME = 'tw-agent';
/** Rancher's own name for the long-running host agent that holds the registration (CATTLE_AGENT_IP). */
export const RANCHER_AGENT_CONTAINER_NAME = 'rancher-agent';
export const SIDEKICK_CONTAINER_NAME = 'tw-ipsec-connectivity-check';
/** The interface name of a host's underlay inside its namespace. */
export const UPLINK_IF = 'uplink';

export interface HostPlan {
  index: number;
  name: string;
  netns: string;
  /** Path of the namespace handle that `ip netns add` creates. */
  netnsPath: string;
  /** veth end in the root namespace, enslaved to the bridge (<= 15 characters). */
  bridgePort: string;
  underlayIp: Ipv4;
  overlayIp: Ipv4;
  /** This host's overlay /24, the CHILD_SA traffic selector. */
  overlaySubnet: string;
  /** docker0 address and prefix (`--bip`), in 198.19.n.0/24 so it overlaps neither underlay nor overlay. */
  dockerBip: string;
  dir: string;
  unixSocket: string;
  /** A second socket only the lab itself uses, so that `docker-down` cannot lock the lab out. */
  adminSocket: string;
  tlsEndpoint: string;
}

export function assertHostCount(count: number): void {
  if (!Number.isInteger(count) || count < 2 || count > MAX_LAB_HOSTS) {
    throw new Error(`--hosts must be an integer from 2 to ${MAX_LAB_HOSTS} (got ${String(count)})`);
  }
}

function ip(text: string): Ipv4 {
  const parsed = parseIpv4(text);
  if (!parsed) throw new Error(`internal: bad lab address ${text}`);
  return parsed;
}

export function planHost(index: number): HostPlan {
  if (!Number.isInteger(index) || index < 1 || index > MAX_LAB_HOSTS) {
    throw new Error(`host index must be 1..${MAX_LAB_HOSTS} (got ${String(index)})`);
  }
  const name = `h${index}`;
  const underlayIp = ip(`198.18.0.${10 + index}`);
  const dir = `${LAB_RUN_DIR}/${name}`;
  return {
    index,
    name,
    netns: `tw-${name}`,
    netnsPath: `/run/netns/tw-${name}`,
    bridgePort: `tw-${name}-br`,
    underlayIp,
    overlayIp: ip(`100.64.${index}.2`),
    overlaySubnet: `100.64.${index}.0/24`,
    dockerBip: `198.19.${index}.1/24`,
    dir,
    unixSocket: `${dir}/docker.sock`,
    adminSocket: `${dir}/admin.sock`,
    tlsEndpoint: `tcp://${underlayIp}:${DOCKER_TLS_PORT}`,
  };
}

export function planHosts(count: number): HostPlan[] {
  assertHostCount(count);
  return Array.from({ length: count }, (_, i) => planHost(i + 1));
}

/** Resolves a host argument (`h2` or `2`) against the running lab's hosts. */
export function resolveHost(arg: string, hosts: readonly HostPlan[]): HostPlan {
  const m = /^h?(\d{1,2})$/.exec(arg);
  const found = m ? hosts.find((h) => h.index === Number(m[1])) : undefined;
  if (!found) {
    throw new Error(`unknown host "${arg}": expected one of ${hosts.map((h) => h.name).join(', ')}`);
  }
  return found;
}
