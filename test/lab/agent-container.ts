// The containers of one host, laid out as Rancher lays them out: the long-running `rancher-agent`
// (the only place CATTLE_AGENT_IP lives), and the IPsec agent: a 1.1 Network Agent, or a 1.6 ipsec
// stack router with its connectivity-check sidekick.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import {
  AGENT_CONTAINER_NAME,
  type HostPlan,
  OVERLAY_PREFIX,
  RANCHER_AGENT_CONTAINER_NAME,
  SIDEKICK_CONTAINER_NAME,
} from './address-plan.js';
import { docker } from './docker-cli.js';
import type { RancherVersion } from './lab-state.js';
import { type PeerEndpoint, renderSwanctlConf } from './swanctl-config.js';

export const AGENT_SELECTOR_LABEL = 'io.rancher.container.system=NetworkAgent';
export const OVERLAY_IP_LABEL = 'io.rancher.container.ip';
export const ADVERTISED_IP_ENV = 'CATTLE_AGENT_IP';
const RANCHER_AGENT_LABEL = 'io.rancher.container.system=rancher-agent';
const IPSEC_STACK_LABELS = ['io.rancher.stack.name=ipsec', 'io.rancher.stack_service.name=ipsec/ipsec'];
const LAUNCH_CONFIG = 'io.rancher.service.launch.config';
const IDLE = ['/bin/sh', '-c', 'trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done'];

function agentLabels(host: HostPlan, rancher: RancherVersion): string[] {
  const ip = `${OVERLAY_IP_LABEL}=${host.overlayIp}/${OVERLAY_PREFIX}`;
  const own = rancher === '1.1' ? [AGENT_SELECTOR_LABEL] : [...IPSEC_STACK_LABELS, `${LAUNCH_CONFIG}=router`];
  return [...own, ip].flatMap((l) => ['--label', l]);
}

/** The host's registration: `rancher-agent` carrying CATTLE_AGENT_IP (absent: Rancher auto-detects). */
export async function createRancherAgent(host: HostPlan, imageTag: string, registeredIp: Ipv4 | null) {
  await docker(host, ['rm', '-f', RANCHER_AGENT_CONTAINER_NAME], { allowFailure: true });
  await docker(host, [
    'run',
    '--detach',
    '--name',
    RANCHER_AGENT_CONTAINER_NAME,
    '--pull',
    'never',
    '--network',
    'none',
    '--label',
    RANCHER_AGENT_LABEL,
    ...(registeredIp ? ['--env', `${ADVERTISED_IP_ENV}=${registeredIp}`] : []),
    imageTag,
    ...IDLE,
  ]);
}

/** 1.6 only: the connectivity-check sidekick, with the router's stack labels (discovery must skip it). */
export async function createSidekick(host: HostPlan, imageTag: string): Promise<void> {
  await docker(host, ['rm', '-f', SIDEKICK_CONTAINER_NAME], { allowFailure: true });
  await docker(host, [
    'run',
    '--detach',
    '--name',
    SIDEKICK_CONTAINER_NAME,
    '--pull',
    'never',
    '--network',
    'none',
    ...[...IPSEC_STACK_LABELS, `${LAUNCH_CONFIG}=connectivity-check`].flatMap((l) => ['--label', l]),
    '--label',
    `${OVERLAY_IP_LABEL}=${host.overlayIp}/${OVERLAY_PREFIX}`,
    imageTag,
    ...IDLE,
  ]);
}

const swanctlDir = (host: HostPlan) => `${host.dir}/swanctl`;

export async function writeAgentSwanctl(
  host: HostPlan,
  peers: readonly PeerEndpoint[],
  psk: string,
  rancher: RancherVersion,
): Promise<boolean> {
  await mkdir(swanctlDir(host), { recursive: true, mode: 0o700 });
  const path = `${swanctlDir(host)}/swanctl.conf`;
  const text = renderSwanctlConf(host, peers, psk, rancher);
  const old = await readFile(path, 'utf8').catch(() => null);
  if (old === text) return false;
  await writeFile(path, text, { mode: 0o600 });
  return true;
}

/** Creates (not starts) the IPsec agent; any previous agent container on the host is removed first. */
export async function createAgent(
  host: HostPlan,
  imageTag: string,
  rancher: RancherVersion,
): Promise<string> {
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
    ...agentLabels(host, rancher),
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
  /** CATTLE_AGENT_IP of the host's rancher-agent container (null: none, Rancher would auto-detect). */
  advertisedIp: string | null;
}

async function inspect(host: HostPlan, name: string) {
  const res = await docker(host, ['inspect', '--type', 'container', name], { allowFailure: true });
  if (res.code !== 0) return null;
  const [info] = JSON.parse(res.stdout) as {
    Id: string;
    State: { Running: boolean };
    Config: { Env: string[] };
  }[];
  return info ?? null;
}

export async function inspectAgent(host: HostPlan): Promise<AgentInspect | null> {
  const [info, registrar] = await Promise.all([
    inspect(host, AGENT_CONTAINER_NAME),
    inspect(host, RANCHER_AGENT_CONTAINER_NAME),
  ]);
  if (!info) return null;
  const env = registrar?.Config.Env.find((e) => e.startsWith(`${ADVERTISED_IP_ENV}=`));
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
