// The Network Agent container of one host, labelled and configured like a Rancher 1.x agent.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import { AGENT_CONTAINER_NAME, type HostPlan, OVERLAY_PREFIX } from './address-plan.js';
import { docker } from './docker-cli.js';
import { type PeerEndpoint, renderSwanctlConf } from './swanctl-config.js';

export const AGENT_SELECTOR_LABEL = 'io.rancher.container.system=NetworkAgent';
export const OVERLAY_IP_LABEL = 'io.rancher.container.ip';
export const ADVERTISED_IP_ENV = 'CATTLE_AGENT_IP';

const swanctlDir = (host: HostPlan) => `${host.dir}/swanctl`;

export async function writeAgentSwanctl(
  host: HostPlan,
  peers: readonly PeerEndpoint[],
  psk: string,
): Promise<boolean> {
  await mkdir(swanctlDir(host), { recursive: true, mode: 0o700 });
  const path = `${swanctlDir(host)}/swanctl.conf`;
  const text = renderSwanctlConf(host, peers, psk);
  const old = await readFile(path, 'utf8').catch(() => null);
  if (old === text) return false;
  await writeFile(path, text, { mode: 0o600 });
  return true;
}

/** Creates (not starts) the agent; any previous agent container on the host is removed first. */
export async function createAgent(host: HostPlan, imageTag: string, advertisedIp: Ipv4): Promise<string> {
  await docker(host, ['rm', '-f', AGENT_CONTAINER_NAME], { allowFailure: true });
  const { stdout } = await docker(host, [
    'create',
    '--name',
    AGENT_CONTAINER_NAME,
    '--hostname',
    `${host.name}-agent`,
    '--init',
    '--pull',
    'never',
    '--cap-add',
    'NET_ADMIN',
    '--device',
    '/dev/net/tun',
    '--label',
    AGENT_SELECTOR_LABEL,
    '--label',
    `${OVERLAY_IP_LABEL}=${host.overlayIp}/${OVERLAY_PREFIX}`,
    '--env',
    `${ADVERTISED_IP_ENV}=${advertisedIp}`,
    '--env',
    `TW_OVERLAY_IP=${host.overlayIp}`,
    '--publish',
    `${host.underlayIp}:500:500/udp`,
    '--publish',
    `${host.underlayIp}:4500:4500/udp`,
    '--volume',
    `${swanctlDir(host)}:/etc/swanctl:ro`,
    imageTag,
    '/agent/run.sh',
  ]);
  return stdout.trim();
}

export async function startAgent(host: HostPlan): Promise<void> {
  await docker(host, ['start', AGENT_CONTAINER_NAME]);
}

export interface AgentInspect {
  id: string;
  running: boolean;
  advertisedIp: string | null;
}

export async function inspectAgent(host: HostPlan): Promise<AgentInspect | null> {
  const res = await docker(host, ['inspect', '--type', 'container', AGENT_CONTAINER_NAME], {
    allowFailure: true,
  });
  if (res.code !== 0) return null;
  const [info] = JSON.parse(res.stdout) as {
    Id: string;
    State: { Running: boolean };
    Config: { Env: string[] };
  }[];
  if (!info) return null;
  const env = info.Config.Env.find((e) => e.startsWith(`${ADVERTISED_IP_ENV}=`));
  return {
    id: info.Id,
    running: info.State.Running,
    advertisedIp: env ? env.slice(ADVERTISED_IP_ENV.length + 1) : null,
  };
}

export function agentExec(host: HostPlan, argv: readonly string[], timeoutMs = 30_000) {
  return docker(host, ['exec', AGENT_CONTAINER_NAME, ...argv], { allowFailure: true, timeoutMs });
}

/** Names of this agent's CHILD_SAs in state INSTALLED (from swanctl's list output). */
export async function installedChildren(host: HostPlan): Promise<Set<string>> {
  const res = await agentExec(host, ['swanctl', '--list-sas'], 10_000);
  const names = new Set<string>();
  if (res.code !== 0) return names;
  for (const line of res.stdout.split('\n')) {
    const m = /^\s+(\S+): #\d+, reqid \d+, INSTALLED/.exec(line);
    if (m?.[1]) names.add(m[1]);
  }
  return names;
}
