import type { AgentSelector, HostConfig } from '../config/tunnelwatch-config.js';
import { type Ipv4, type OverlayIp, parseIpv4, parseOverlayLabel } from '../domain/ipv4.js';
import type { AgentInfo, HostFinding, HostResult, HostState } from '../domain/sweep-report.js';
import {
  type CallOptions,
  type DockerHostClient,
  isTransportError,
} from '../transport/docker-host-client.js';
import { checkAgentAddress } from './check-agent-address.js';
import { DiscoveryCache } from './discovery-cache.js';
import { pickOverlayIp } from './pick-overlay-ip.js';
import { pickAgent, pickRancherAgent } from './rancher-layout.js';

export interface DiscoveryOptions {
  /** Upper bound for each Docker API call of this host's discovery. */
  deadlineMs: number;
  signal?: AbortSignal;
  /** Inspect results from earlier sweeps (one per assembled sweep); without it every agent is inspected. */
  cache?: DiscoveryCache;
}

/**
 * Finds the host's one IPsec agent (Rancher 1.1 Network Agent or 1.6 ipsec router, see
 * rancher-layout.ts), its overlay IP, and the address the host is registered with. Never throws: every problem becomes a
 * HostFinding and a host state (`down` when the agent is missing or stopped, `unknown` when the
 * host could not be asked or the answer is ambiguous).
 */
export async function discoverHost(
  host: HostConfig,
  client: DockerHostClient,
  selector: AgentSelector,
  opts: DiscoveryOptions,
): Promise<HostResult> {
  const base = { name: host.name, ...(host.underlayIp ? { underlayIp: host.underlayIp } : {}) };
  const result = (state: HostState, agent: AgentInfo | null, findings: HostFinding[]): HostResult => ({
    ...base,
    state,
    agent,
    ...(findings.length > 0 ? { findings, error: findings.map((f) => f.message).join('; ') } : {}),
  });
  try {
    // One request: every container, picked from in TypeScript (docs/probes.md, Docker API cost).
    const call = { deadlineMs: opts.deadlineMs, ...(opts.signal ? { signal: opts.signal } : {}) };
    const containers = await client.listContainers(call);
    const pick = pickAgent(containers, selector);
    if (pick.kind === 'missing') {
      return result('down', null, [
        { code: 'agent-missing', message: `no agent container on this host: looked for ${pick.looked}` },
      ]);
    }
    if (pick.kind === 'stopped') {
      const names = pick.containers.map((c) => `${c.names[0] ?? c.id.slice(0, 12)} (${c.state})`).join(', ');
      return result('down', null, [
        { code: 'agent-down', message: `${pick.layout.describes} is not running: ${names}` },
      ]);
    }
    if (pick.kind === 'multiple') {
      const names = pick.containers.map((c) => c.names[0] ?? c.id.slice(0, 12)).join(', ');
      return result('unknown', null, [
        {
          code: 'agent-multiple',
          message: `${pick.containers.length} running containers match ${pick.layout.describes}: ${names}`,
        },
      ]);
    }
    const { layout, container } = pick;
    const rancherAgent = pickRancherAgent(containers);
    const cache = opts.cache ?? new DiscoveryCache();
    const [details, registrar] = await Promise.all([
      cache.inspect(client, container.id, call),
      rancherAgent ? cache.inspect(client, rancherAgent.id, call).catch(() => null) : null,
    ]);
    const findings: HostFinding[] = [];
    const overlay = await overlayIp(
      client,
      details.id,
      container.labels,
      container.dockerIps,
      selector,
      { ...call, cache },
      findings,
    );
    if (!overlay) return result('unknown', null, findings);
    // Rancher keeps the registered address on the rancher-agent container and nowhere else: where
    // that container lacks it, Rancher auto-detected the address, whatever the agent's own env says.
    // Only a host without any rancher-agent (a hand-built layout) is read from the agent's env.
    const registered = registrar
      ? hasEnv(registrar.env, selector.advertisedIpEnv)
        ? {
            ip: advertisedIp(registrar.env, selector.advertisedIpEnv, 'rancher-agent', findings),
            source: 'rancher-agent' as const,
          }
        : { ip: null, source: 'auto-detected' as const }
      : hasEnv(details.env, selector.advertisedIpEnv)
        ? {
            ip: advertisedIp(details.env, selector.advertisedIpEnv, 'agent', findings),
            source: 'agent-env' as const,
          }
        : { ip: null, source: 'auto-detected' as const };
    const advertised = registered.ip;
    // A wrong registration keeps the host `up` (the agent runs and is probed); diagnosis names it.
    const misregistered = checkAgentAddress({
      host: host.name,
      advertisedIp: advertised,
      underlayIp: host.underlayIp,
      dockerEndpoint:
        host.docker.scheme === 'unix'
          ? { scheme: 'unix' }
          : { scheme: host.docker.scheme, host: host.docker.host },
    });
    if (misregistered) findings.push(misregistered);
    const agent: AgentInfo = {
      containerId: details.id,
      overlayIp: overlay.ip,
      overlayIpSource: overlay.source,
      ...(advertised ? { advertisedIp: advertised } : {}),
      layout: layout.layout,
      registration: advertised ? registered.source : 'auto-detected',
    };
    // The list's state is this sweep's; it said running.
    return result('up', agent, findings);
  } catch (e) {
    const message = isTransportError(e) ? e.message : `discovery failed: ${String(e)}`;
    if (isTransportError(e) && e.kind === 'not-found') {
      // The agent vanished between list and inspect: a restart in progress.
      return result('down', null, [{ code: 'agent-down', message }]);
    }
    return result('unknown', null, [{ code: 'docker-unreachable', message }]);
  }
}

async function overlayIp(
  client: DockerHostClient,
  containerId: string,
  labels: Record<string, string>,
  dockerIps: string[],
  selector: AgentSelector,
  opts: CallOptions & { cache: DiscoveryCache },
  findings: HostFinding[],
): Promise<{ ip: OverlayIp; source: 'label' | 'container' } | null> {
  const label = labels[selector.overlayIpLabel];
  if (label !== undefined) {
    const parsed = parseOverlayLabel(label);
    if (parsed) return { ip: parsed.ip, source: 'label' };
    // The value is not echoed: it is untrusted text from the host.
    findings.push({
      code: 'agent-ip-invalid',
      message: `label ${selector.overlayIpLabel} is not an IPv4 address like 10.42.7.3/16; fix the agent's label`,
    });
    return null;
  }
  const known = opts.cache.overlayInside(containerId);
  if (known) return { ip: known, source: 'container' };
  try {
    const out = await client.exec(containerId, ['ip', '-o', '-4', 'addr', 'show'], opts);
    const ip = out.exitCode === 0 ? pickOverlayIp(out.stdout, dockerIps) : null;
    if (ip) {
      // Rancher assigns the managed address when it creates the container: it lives as long as the id.
      opts.cache.rememberOverlayInside(containerId, ip);
      return { ip, source: 'container' };
    }
    findings.push({
      code: 'agent-ip-invalid',
      message: `no ${selector.overlayIpLabel} label and no overlay address found inside the agent (ip -o -4 addr exit ${out.exitCode})`,
    });
  } catch (e) {
    findings.push({
      code: 'agent-ip-invalid',
      message: `no ${selector.overlayIpLabel} label, and reading the address inside the agent failed: ${isTransportError(e) ? e.message : String(e)}`,
    });
  }
  return null;
}

function hasEnv(env: readonly string[], name: string): boolean {
  return env.some((e) => typeof e === 'string' && e.startsWith(`${name}=`) && e.length > name.length + 1);
}

function advertisedIp(
  env: readonly string[],
  name: string,
  where: 'rancher-agent' | 'agent',
  findings: HostFinding[],
): Ipv4 | null {
  const entry = env.find((e) => typeof e === 'string' && e.startsWith(`${name}=`));
  if (entry === undefined) return null;
  const value = entry.slice(name.length + 1);
  // Host text: a value longer than an address with some padding is refused before any parsing.
  const ip = value.length > 64 ? null : parseIpv4(value.trim());
  if (!ip)
    findings.push({
      code: 'agent-ip-invalid',
      message: `${name} in the ${where === 'rancher-agent' ? 'rancher-agent container' : "agent's"} environment is not an IPv4 address`,
    });
  return ip;
}
