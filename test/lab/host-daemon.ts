// One lab host: a network namespace on the lab bridge and its own dockerd, started with
// `nsenter --net=… unshare --uts dockerd` (`ip netns exec` remounts /sys and breaks dockerd's cgroups).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { type HostPlan, LAB_BRIDGE, MONITOR_IP, UNDERLAY_PREFIX, UPLINK_IF } from './address-plan.js';
import { inNetns, run } from './command.js';
import { serverTls } from './lab-certs.js';

export const cgroupParent = (host: HostPlan) => `tunnelwatch-lab-${host.name}`;

export async function ensureBridge(): Promise<void> {
  if (!existsSync(`/sys/class/net/${LAB_BRIDGE}`)) {
    await run(['ip', 'link', 'add', LAB_BRIDGE, 'type', 'bridge']);
  }
  const { stdout } = await run(['ip', '-4', '-o', 'addr', 'show', 'dev', LAB_BRIDGE]);
  if (!stdout.includes(`${MONITOR_IP}/`)) {
    await run(['ip', 'addr', 'add', `${MONITOR_IP}/${UNDERLAY_PREFIX}`, 'dev', LAB_BRIDGE]);
  }
  await run(['ip', 'link', 'set', LAB_BRIDGE, 'up']);
}

export async function createNamespace(host: HostPlan): Promise<void> {
  await run(['ip', 'netns', 'add', host.netns]);
  await run([
    'ip',
    'link',
    'add',
    host.bridgePort,
    'type',
    'veth',
    'peer',
    'name',
    UPLINK_IF,
    'netns',
    host.netns,
  ]);
  await run(['ip', 'link', 'set', host.bridgePort, 'master', LAB_BRIDGE, 'up']);
  await run([
    'ip',
    '-n',
    host.netns,
    'addr',
    'add',
    `${host.underlayIp}/${UNDERLAY_PREFIX}`,
    'dev',
    UPLINK_IF,
  ]);
  await run(['ip', '-n', host.netns, 'link', 'set', UPLINK_IF, 'up']);
  await run(['ip', '-n', host.netns, 'link', 'set', 'lo', 'up']);
}

function dockerdArgs(host: HostPlan): string[] {
  const tls = serverTls(host);
  return [
    `--data-root=${host.dir}/data`,
    `--exec-root=${host.dir}/exec`,
    `--pidfile=${host.dir}/dockerd.pid`,
    `--config-file=${host.dir}/daemon.json`,
    `--host=unix://${host.unixSocket}`,
    `--host=unix://${host.adminSocket}`,
    `--host=${host.tlsEndpoint}`,
    '--tlsverify',
    `--tlscacert=${tls.caFile}`,
    `--tlscert=${tls.certFile}`,
    `--tlskey=${tls.keyFile}`,
    `--bip=${host.dockerBip}`,
    `--cgroup-parent=${cgroupParent(host)}`,
    '--userland-proxy=false',
    '--iptables=true',
    '--storage-driver=overlay2',
    '--log-level=warn',
  ];
}

/** Starts the host's dockerd detached (it outlives this process); its log is `<dir>/dockerd.log`. */
export async function startDockerd(host: HostPlan): Promise<void> {
  await mkdir(host.dir, { recursive: true });
  // dockerd 20.10 otherwise writes its trust key to /etc/docker/key.json, outside the lab.
  await writeFile(
    `${host.dir}/daemon.json`,
    `${JSON.stringify({ 'deprecated-key-path': `${host.dir}/key.json` })}\n`,
  );
  const log = await open(`${host.dir}/dockerd.log`, 'a');
  const child = spawn(
    'nsenter',
    [`--net=${host.netnsPath}`, 'unshare', '--uts', 'dockerd', ...dockerdArgs(host)],
    {
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    },
  );
  child.unref();
  await log.close();
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function waitForDockerd(host: HostPlan, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(host.adminSocket)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `dockerd of ${host.name} did not answer within ${timeoutMs} ms; see ${host.dir}/dockerd.log`,
  );
}

/** Lets containers on different hosts talk directly (FORWARD policy is DROP) and keeps overlay traffic un-NATed. */
export async function allowCrossHostTraffic(host: HostPlan): Promise<void> {
  const ipt = (args: string[]) => run(inNetns(host.netnsPath, ['iptables', ...args]));
  const forward = ['DOCKER-USER', '-i', UPLINK_IF, '-o', 'docker0', '-j', 'ACCEPT'];
  if ((await ipt(['-C', ...forward]).catch(() => null)) === null) await ipt(['-I', ...forward]);
  const noNat = ['POSTROUTING', '-s', '100.64.0.0/16', '-d', '100.64.0.0/16', '-j', 'RETURN'];
  if ((await ipt(['-t', 'nat', '-C', ...noNat]).catch(() => null)) === null)
    await ipt(['-t', 'nat', '-I', ...noNat]);
}
