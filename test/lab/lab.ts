// The lab's public API: a Rancher 1.x-style IPsec overlay on N network-namespace hosts, each with its
// own dockerd and one strongSwan Network Agent, plus fault injection. Every operation takes the lab lock.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import {
  AGENT_CONTAINER_NAME,
  assertHostCount,
  type HostPlan,
  LAB_RUN_DIR,
  MONITOR_IP,
  planHosts,
  WRONG_AGENT_IP,
} from './address-plan.js';
import {
  ADVERTISED_IP_ENV,
  agentExec,
  createAgent,
  createRancherAgent,
  createSidekick,
  inspectAgent,
  installedChildren,
  OVERLAY_IP_LABEL,
  startAgent,
  writeAgentSwanctl,
} from './agent-container.js';
import { ensureAgentImageTarball } from './agent-image.js';
import { inNetns, run } from './command.js';
import { docker } from './docker-cli.js';
import { describeFault, type Fault, parseFault } from './fault-kind.js';
import { FAULT_TABLE, renderFaultRuleset } from './fault-ruleset.js';
import {
  allowCrossHostTraffic,
  createNamespace,
  ensureBridge,
  startDockerd,
  waitForDockerd,
} from './host-daemon.js';
import { clientTls, ensureCerts } from './lab-certs.js';
import { withLabLock } from './lab-lock.js';
import {
  DEFAULT_CONFIG_FILE,
  DEFAULT_RANCHER,
  type LabState,
  PSK_FILE,
  type RancherVersion,
  readState,
  writeState,
} from './lab-state.js';
import { teardownLab } from './lab-teardown.js';

export { DEFAULT_CONFIG_FILE } from './lab-state.js';

export interface UpOptions {
  hosts?: number;
  /** Rancher's layout to build: 1.1 Network Agents or the 1.6 ipsec stack (default). */
  rancher?: RancherVersion;
  log?: (line: string) => void;
  /** Bound on waiting for every CHILD_SA to be installed. */
  tunnelTimeoutMs?: number;
}

export interface HostStatus {
  name: string;
  netns: string;
  underlayIp: string;
  overlayIp: string;
  advertisedIp: string | null;
  docker: { unix: string; tls: string };
  agent: { containerId: string | null; running: boolean };
}

export interface LabStatus {
  up: boolean;
  /** The Rancher layout the lab was built in; null when it is down. */
  rancher: RancherVersion | null;
  phase: LabState['phase'] | 'down';
  monitorIp: string;
  hosts: HostStatus[];
  faults: string[];
  configFile: string | null;
}

const hidden = (host: HostPlan) => `${host.dir}/.docker.sock.down`;

/** The peers `self` has connections to: all but those a tunnel-missing fault made it forget. */
function peersOf(hosts: readonly HostPlan[], state: LabState, self: HostPlan) {
  const forgotten = new Set(
    state.faults.flatMap((f) => (f.kind === 'tunnel-missing' && f.from === self.name ? [f.to] : [])),
  );
  return hosts
    .filter((h) => !forgotten.has(h.name))
    .map((h) => ({ host: h, advertisedIp: (state.advertised[h.name] ?? h.underlayIp) as Ipv4 }));
}

async function psk(): Promise<string> {
  if (!existsSync(PSK_FILE)) await writeFile(PSK_FILE, randomBytes(24).toString('hex'), { mode: 0o600 });
  return (await readFile(PSK_FILE, 'utf8')).trim();
}

async function allTunnelsInstalled(hosts: readonly HostPlan[]): Promise<string[]> {
  const missing: string[] = [];
  const installed = await Promise.all(hosts.map(installedChildren));
  hosts.forEach((h, i) => {
    for (const p of hosts)
      if (p !== h && !installed[i]!.has(`${h.name}-${p.name}`)) missing.push(`${h.name}-${p.name}`);
  });
  return missing;
}

/** Waits (bounded) until every agent has a CHILD_SA to every peer installed; returns the missing ones. */
export async function waitForTunnels(hosts: readonly HostPlan[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = await allTunnelsInstalled(hosts);
  while (missing.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    missing = await allTunnelsInstalled(hosts);
  }
  return missing;
}

/** Overlay pings for every unordered host pair (lower pings higher): the data plane, which SA state can misreport. */
export async function overlayPairs(hosts: readonly HostPlan[]): Promise<{ pair: string; ok: boolean }[]> {
  const pairs = hosts.flatMap((a) => hosts.filter((b) => b.index > a.index).map((b) => [a, b] as const));
  return Promise.all(
    pairs.map(async ([a, b]) => {
      const res = await agentExec(a, ['ping', '-c', '1', '-W', '1', b.overlayIp], 10_000);
      return { pair: `${a.name}-${b.name}`, ok: res.code === 0 };
    }),
  );
}

/** Waits (bounded) until every pair's overlay ping succeeds; returns the pairs still failing. */
export async function waitForOverlay(hosts: readonly HostPlan[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failing = (await overlayPairs(hosts)).filter((p) => !p.ok).map((p) => p.pair);
    if (failing.length === 0 || Date.now() > deadline) return failing;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const rancherOf = (state: LabState): RancherVersion => state.rancher ?? '1.1';

async function healthy(state: LabState | null, count: number, rancher: RancherVersion): Promise<boolean> {
  if (state?.phase !== 'up' || state.hostCount !== count || rancherOf(state) !== rancher) return false;
  const hosts = planHosts(count);
  for (const h of hosts) {
    if (!existsSync(h.netnsPath)) return false;
    const agent = await inspectAgent(h).catch(() => null);
    if (!agent) return false;
  }
  return true;
}

async function upUnlocked(
  count: number,
  rancher: RancherVersion,
  log: (line: string) => void,
  tunnelTimeoutMs: number,
): Promise<void> {
  const hosts = planHosts(count);
  const t0 = Date.now();
  const step = (what: string) => log(`lab: ${what} (+${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  step(`bringing up ${count} hosts, Rancher ${rancher} layout`);
  await mkdir(LAB_RUN_DIR, { recursive: true, mode: 0o755 });
  const imagePromise = ensureAgentImageTarball();
  imagePromise.catch(() => undefined);
  const state: LabState = {
    phase: 'starting',
    rancher,
    hostCount: count,
    imageTag: '',
    startedAt: new Date().toISOString(),
    faults: [],
    advertised: Object.fromEntries(hosts.map((h) => [h.name, h.underlayIp])),
  };
  await writeState(state);
  const key = await psk();
  await ensureCerts(hosts);
  await ensureBridge();
  for (const h of hosts) await createNamespace(h);
  await Promise.all(hosts.map(startDockerd));
  step('namespaces ready, dockerd starting');
  await Promise.all(hosts.map((h) => waitForDockerd(h)));
  step(`dockerd x${count} ready`);
  const image = await imagePromise;
  step(`agent image ${image.tag}${image.built ? ' built' : ' cached'}`);
  state.imageTag = image.tag;
  await Promise.all(
    hosts.map(async (h) => {
      await allowCrossHostTraffic(h);
      await docker(h, ['import', image.tarball, image.tag], { timeoutMs: 120_000 });
      await writeAgentSwanctl(h, peersOf(hosts, state, h), key, rancher);
      await createRancherAgent(h, image.tag, h.underlayIp);
      if (rancher === '1.6') await createSidekick(h, image.tag);
      await createAgent(h, image.tag, rancher);
    }),
  );
  step('agents created');
  // Responders (higher numbers) first, so that initiators' first IKE_SA_INIT finds a listener.
  for (const h of [...hosts].reverse()) await startAgent(h);
  step('agents started');
  const missing = await waitForTunnels(hosts, tunnelTimeoutMs);
  step('all CHILD_SAs installed');
  if (missing.length > 0)
    throw new Error(`tunnels not installed within ${tunnelTimeoutMs} ms: ${missing.join(', ')}`);
  state.phase = 'up';
  await writeState(state);
  await writeConfigUnlocked(DEFAULT_CONFIG_FILE, false);
}

/** Brings the lab up with `hosts` hosts (default 3). Idempotent: a healthy lab of that size is left as is;
 *  anything else (another size, a half-finished `up`) is torn down and rebuilt. */
export async function up(options: UpOptions = {}): Promise<LabStatus> {
  const count = options.hosts ?? 3;
  const rancher = options.rancher ?? DEFAULT_RANCHER;
  assertHostCount(count);
  const log = options.log ?? (() => undefined);
  return withLabLock(async () => {
    if (await healthy(await readState().catch(() => null), count, rancher)) {
      log('lab: already up');
      return statusUnlocked();
    }
    await teardownLab(log);
    try {
      await upUnlocked(count, rancher, log, options.tunnelTimeoutMs ?? 60_000);
    } catch (e) {
      if (process.env.TUNNELWATCH_LAB_KEEP_FAILED !== '1') {
        log('lab: up failed, tearing down (set TUNNELWATCH_LAB_KEEP_FAILED=1 to keep it for debugging)');
        await teardownLab(log);
      }
      throw e;
    }
    return statusUnlocked();
  });
}

/** Removes every namespace, daemon, mount, cgroup and file of the lab (the image cache stays). */
export async function down(log: (line: string) => void = () => undefined): Promise<void> {
  await withLabLock(() => teardownLab(log));
}

async function statusUnlocked(): Promise<LabStatus> {
  const state = await readState().catch(() => null);
  if (!state)
    return {
      up: false,
      rancher: null,
      phase: 'down',
      monitorIp: MONITOR_IP,
      hosts: [],
      faults: [],
      configFile: null,
    };
  const hosts = await Promise.all(
    planHosts(state.hostCount).map(async (h): Promise<HostStatus> => {
      const agent = existsSync(h.adminSocket) ? await inspectAgent(h).catch(() => null) : null;
      return {
        name: h.name,
        netns: h.netns,
        underlayIp: h.underlayIp,
        overlayIp: h.overlayIp,
        advertisedIp: agent?.advertisedIp ?? null,
        docker: { unix: `unix://${h.unixSocket}`, tls: h.tlsEndpoint },
        agent: { containerId: agent?.id ?? null, running: agent?.running ?? false },
      };
    }),
  );
  return {
    up: state.phase === 'up',
    rancher: rancherOf(state),
    phase: state.phase,
    monitorIp: MONITOR_IP,
    hosts,
    faults: state.faults.map(describeFault),
    configFile: existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null,
  };
}

export function status(): Promise<LabStatus> {
  return withLabLock(statusUnlocked);
}

/** The tunnelwatch config for the running lab (format of the project brief). */
export function renderLabConfig(hosts: readonly HostPlan[], unix: boolean): object {
  const tls = clientTls();
  return {
    hosts: hosts.map((h) => ({
      name: h.name,
      underlayIp: h.underlayIp,
      docker: unix ? { endpoint: `unix://${h.unixSocket}` } : { endpoint: h.tlsEndpoint, tls },
    })),
    // Discovery recognises either Rancher layout by itself.
    agent: { preset: 'auto', overlayIpLabel: OVERLAY_IP_LABEL, advertisedIpEnv: ADVERTISED_IP_ENV },
  };
}

async function requireUp(): Promise<{ state: LabState; hosts: HostPlan[] }> {
  const state = await readState();
  if (state?.phase !== 'up') throw new Error('the lab is not up: run `npm run lab -- up` first');
  return { state, hosts: planHosts(state.hostCount) };
}

async function writeConfigUnlocked(path: string, unix: boolean): Promise<string> {
  const { hosts } = await requireUp();
  const tmp = `${path}.tmp.${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(renderLabConfig(hosts, unix), null, 2)}\n`);
  await rename(tmp, path);
  return path;
}

export function writeConfig(path = DEFAULT_CONFIG_FILE, options: { unix?: boolean } = {}): Promise<string> {
  return withLabLock(() => writeConfigUnlocked(path, options.unix ?? false));
}

async function applyNetworkFaults(hosts: readonly HostPlan[], faults: readonly Fault[]): Promise<void> {
  await Promise.all(
    hosts.map((h) =>
      run(inNetns(h.netnsPath, ['nft', '-f', '-']), { input: renderFaultRuleset(h, hosts, faults) }),
    ),
  );
}

async function reloadSwanctl(host: HostPlan): Promise<void> {
  const res = await agentExec(host, ['swanctl', '--load-all', '--noprompt']);
  if (res.code !== 0)
    throw new Error(`swanctl --load-all failed on ${host.name}: ${res.stderr || res.stdout}`);
}

/** Points every agent's tunnels at the currently advertised addresses; reloads agents whose config changed. */
async function syncSwanctl(
  hosts: readonly HostPlan[],
  state: LabState,
  reload: boolean,
): Promise<Set<string>> {
  const key = await psk();
  const changed = new Set<string>();
  for (const h of hosts) {
    if (!(await writeAgentSwanctl(h, peersOf(hosts, state, h), key, rancherOf(state)))) continue;
    changed.add(h.name);
    if (reload) await reloadSwanctl(h);
  }
  return changed;
}

/** Injects a fault: `kind` and `args` as on the command line (e.g. `block-udp4500`, [`h1`, `h2`]). */
export function fault(kind: string, args: readonly string[]): Promise<Fault> {
  return withLabLock(async () => {
    const { state, hosts } = await requireUp();
    const f = parseFault(kind, args, hosts);
    const host = 'host' in f ? hosts.find((h) => h.name === f.host)! : null;
    state.faults.push(f);
    await writeState(state);
    switch (f.kind) {
      case 'stop-agent':
        await docker(host!, ['stop', '--time', '5', AGENT_CONTAINER_NAME]);
        break;
      case 'kill-ike': {
        const res = await agentExec(host!, ['/agent/kill-ike.sh']);
        if (res.code !== 0)
          throw new Error(`kill-ike ${host!.name}: charon was not running (${res.stdout.trim()})`);
        break;
      }
      case 'docker-down':
        await applyNetworkFaults(hosts, state.faults);
        if (existsSync(host!.unixSocket)) await rename(host!.unixSocket, hidden(host!));
        break;
      case 'wrong-agent-ip':
        // The Rancher way: the host is re-registered with another address (its rancher-agent gets it),
        // Rancher redeploys the host's IPsec agent and re-points every peer's connection at it.
        state.advertised[host!.name] = WRONG_AGENT_IP;
        await writeState(state);
        // --auto-detected: no CATTLE_AGENT_IP at all; Rancher "detected" the wrong address itself.
        await createRancherAgent(host!, state.imageTag, f.autoDetected ? null : WRONG_AGENT_IP);
        await createAgent(host!, state.imageTag, rancherOf(state));
        await syncSwanctl(hosts, state, true);
        await startAgent(host!);
        break;
      case 'tunnel-missing': {
        const from = hosts.find((h) => h.name === f.from)!;
        // Its config loses the connection (swanctl --load-all unloads it), then the live SA goes.
        await syncSwanctl(hosts, state, true);
        await agentExec(from, [
          'swanctl',
          '--terminate',
          '--ike',
          `${f.from}-${f.to}`,
          '--force',
          '--timeout',
          '2',
        ]);
        break;
      }
      case 'tunnel-stale': {
        // For a moment the two cannot hear each other, so the DELETE of the forgetting side is lost.
        const forgets = hosts.find((h) => h.name === f.forgets)!;
        const muffle: Fault = { kind: 'partition', a: f.stale, b: f.forgets };
        await applyNetworkFaults(hosts, [...state.faults, muffle]);
        try {
          const name = `${f.forgets}-${f.stale}`;
          // --force: dropped at once, without waiting for the peer to confirm (it cannot hear it).
          await agentExec(forgets, ['swanctl', '--terminate', '--ike', name, '--force']);
          const left = await agentExec(forgets, ['swanctl', '--list-sas', '--ike', name, '--raw']);
          if (left.stdout.includes(`${name} {`)) {
            throw new Error(
              `tunnel-stale: ${f.forgets} still holds its SA ${name}: ${left.stdout.slice(0, 300)}`,
            );
          }
        } finally {
          await applyNetworkFaults(hosts, state.faults);
        }
        break;
      }
      default:
        await applyNetworkFaults(hosts, state.faults);
    }
    return f;
  });
}

export interface HealOptions {
  /** Also wait (bounded) until every CHILD_SA is installed and every overlay ping passes again. */
  waitForTunnelsMs?: number;
  /** Kick broken tunnels instead of waiting for IKE to notice (a stale SA lasts until DPD gives up, ~165 s):
   *  the initiator of each pair whose overlay ping fails drops its IKE_SA and initiates afresh. */
  reconnect?: boolean;
}

/** While an agent was gone, peers' IKE/ESP packets to the host created conntrack entries without Docker's
 *  DNAT; retransmits keep them alive forever, so the restarted agent would never see its peers. */
async function flushIkeConntrack(host: HostPlan): Promise<void> {
  for (const port of ['500', '4500']) {
    await run(inNetns(host.netnsPath, ['conntrack', '-D', '-p', 'udp', '--dport', port]), {
      allowFailure: true,
    });
  }
}

async function reconnectBroken(
  hosts: readonly HostPlan[],
  onlyInitiators?: ReadonlySet<string>,
): Promise<void> {
  const broken = (await overlayPairs(hosts))
    .filter((p) => !p.ok && (!onlyInitiators || onlyInitiators.has(p.pair.split('-')[0]!)))
    .map((p) => p.pair);
  await Promise.all(
    broken.map(async (name) => {
      const initiator = hosts.find((h) => name.startsWith(`${h.name}-`))!;
      await agentExec(initiator, ['swanctl', '--terminate', '--ike', name, '--force', '--timeout', '2']);
      await agentExec(initiator, ['swanctl', '--initiate', '--child', name, '--timeout', '10']);
    }),
  );
}

/** Undoes every fault: no fault rules, sockets back, agents running with their true address, charon running. */
export function heal(options: HealOptions = {}): Promise<{ tunnelsMissing: string[] }> {
  return withLabLock(async () => {
    const { state, hosts } = await requireUp();
    state.faults = [];
    state.advertised = Object.fromEntries(hosts.map((h) => [h.name, h.underlayIp]));
    await writeState(state);
    await Promise.all(
      hosts.map((h) =>
        run(inNetns(h.netnsPath, ['nft', 'delete', 'table', 'inet', FAULT_TABLE]), { allowFailure: true }),
      ),
    );
    for (const h of hosts) if (existsSync(hidden(h))) await rename(hidden(h), h.unixSocket);
    const repointed = await syncSwanctl(hosts, state, false);
    for (const h of [...hosts].reverse()) {
      const agent = await inspectAgent(h);
      if (!agent || agent.advertisedIp !== h.underlayIp) {
        await createRancherAgent(h, state.imageTag, h.underlayIp);
        await createAgent(h, state.imageTag, rancherOf(state));
        await startAgent(h);
      } else if (!agent.running) {
        await startAgent(h);
      } else {
        // Starts charon if it was killed and (re)loads the config, which re-points changed tunnels.
        const res = await agentExec(h, ['/agent/start-ike.sh']);
        if (res.code !== 0)
          throw new Error(`restarting IKE on ${h.name} failed: ${res.stderr || res.stdout}`);
      }
    }
    await Promise.all(hosts.map(flushIkeConntrack));
    // charon does not re-initiate a connection whose remote address changed on reload (its old IKE_SA keeps
    // retrying the old address), so re-pointed initiators always get a kick, as an agent reload would give.
    if (options.reconnect || repointed.size > 0) {
      // Give restarted initiators a moment to bring up their own tunnels first (no duplicate SAs).
      await waitForTunnels(hosts, 3_000);
      await reconnectBroken(hosts, options.reconnect ? undefined : repointed);
    }
    if (!options.waitForTunnelsMs) return { tunnelsMissing: [] };
    const deadline = Date.now() + options.waitForTunnelsMs;
    const missing = await waitForTunnels(hosts, options.waitForTunnelsMs);
    const failing = await waitForOverlay(hosts, Math.max(0, deadline - Date.now()));
    return { tunnelsMissing: [...missing, ...failing.map((p) => `overlay ${p}`)] };
  });
}
