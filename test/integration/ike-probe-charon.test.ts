import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostName } from '../../shared/domain/host-name.js';
import type { Ipv4 } from '../../shared/domain/ipv4.js';
import type { PathResult } from '../../shared/domain/sweep-report.js';
import { DEFAULT_IKE_PROBE_IMAGE, ikeAgentProbe } from '../../shared/probes/ike/ike-agent-probe.js';
import { ikeProbeProgram } from '../../shared/probes/ike/ike-probe-image.js';
import { localIkeCarrier } from '../support/local-ike-carrier.js';

// The committed IKE probe program against a real charon (strongSwan, configured like the lab's
// agents) in a network namespace of its own, driven by ikeAgentProbe's argv: the requests built in
// TypeScript must get charon's stateless INVALID_KE_PAYLOAD on both ports, leave no half-open SA,
// and a port charon does not serve must read as refused. Needs root, iproute2 and strongSwan's
// charon + swanctl (scripts/setup.sh installs them); the namespace is named h16-… so it can never
// be mistaken for (or collide with) the lab's tw-… hosts.

const CHARON = '/usr/lib/ipsec/charon';
const skipReason =
  process.getuid?.() !== 0
    ? 'needs root (network namespace)'
    : !existsSync(CHARON)
      ? `needs strongSwan's charon at ${CHARON}`
      : spawnSync('swanctl', ['--help']).status !== 0
        ? 'needs swanctl'
        : '';

const ns = `h16-ike-${process.pid}`;
const CHARON_IP = '198.18.216.10';
const work = mkdtempSync(join(tmpdir(), 'tw-ike-charon-'));
const run = join(work, 'run');
const vici = `unix://${join(run, 'charon.vici')}`;
const program = join(work, 'ike-probe');
let charon: ChildProcess | null = null;

function sh(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const inNs = (argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);
const halfOpen = () => {
  const m = /IKE_SAs: (\d+) total, (\d+) half-open/.exec(inNs(['swanctl', '--stats', '--uri', vici]).stdout);
  return m ? { total: Number(m[1]), halfOpen: Number(m[2]) } : null;
};

describe.skipIf(skipReason !== '')('the IKE probe program against a real charon', () => {
  let paths: PathResult[];

  beforeAll(async () => {
    mkdirSync(run);
    writeFileSync(program, ikeProbeProgram());
    chmodSync(program, 0o755);
    writeFileSync(
      join(work, 'strongswan.conf'),
      `charon {
  load = random nonce aes sha1 sha2 hmac kdf gmp openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  plugins {
    vici { socket = unix:///run/charon.vici }
  }
}
`,
    );
    // The lab's proposal (MODP-2048), so our MODP-768 KE payload draws INVALID_KE_PAYLOAD.
    writeFileSync(
      join(work, 'swanctl.conf'),
      `connections {
  agent {
    version = 2
    local_addrs = ${CHARON_IP}
    remote_addrs = %any
    proposals = aes128-sha256-modp2048
    encap = yes
    local { auth = psk
            id = ${CHARON_IP} }
    remote { auth = psk
             id = %any }
    children { overlay { local_ts = 100.64.216.0/24
                         remote_ts = 100.64.217.0/24 } }
  }
}
secrets { ike-any { secret = throwaway-test-psk } }
`,
    );
    expect(sh(['ip', 'netns', 'add', ns]).status).toBe(0);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    inNs(['ip', 'addr', 'add', `${CHARON_IP}/32`, 'dev', 'lo']);
    // charon 5.9 hard-codes /var/run/charon.pid: give it a private /run (lab notes).
    charon = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'unshare',
        '-m',
        'sh',
        '-c',
        `mount --bind ${run} /run && STRONGSWAN_CONF=${join(work, 'strongswan.conf')} exec ${CHARON}`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 50 && !existsSync(join(run, 'charon.vici')); i++)
      await new Promise((r) => setTimeout(r, 200));
    const load = inNs([
      'swanctl',
      '--load-all',
      '--noprompt',
      '--file',
      join(work, 'swanctl.conf'),
      '--uri',
      vici,
    ]);
    expect(load.stdout, load.stderr).toContain('successfully loaded 1 connections');
    expect(halfOpen()).toEqual({ total: 0, halfOpen: 0 });

    paths = await probe();
  }, 60_000);

  /** One ikeAgentProbe run from the namespace to charon's address, the program run locally. */
  async function probe(): Promise<PathResult[]> {
    const localSidecar = localIkeCarrier((args) => {
      const r = inNs([program, ...args]);
      return { exitCode: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    });
    const ip = (s: string) => s as Ipv4;
    return ikeAgentProbe(DEFAULT_IKE_PROBE_IMAGE).run(
      {
        self: 'h1' as HostName,
        agent: { containerId: 'agent-h1', overlayIp: ip('100.64.1.2') },
        peers: [{ name: 'h2' as HostName, underlayIp: ip(CHARON_IP), overlayIp: ip('100.64.2.2') }],
        timing: { pingCount: 3, pingIntervalSec: 0.2, pingTimeoutSec: 1, ikeTimeoutMs: 1500 },
      },
      localSidecar,
      new AbortController().signal,
    );
  }

  afterAll(() => {
    charon?.kill('SIGTERM');
    sh(['ip', 'netns', 'del', ns]);
    rmSync(work, { recursive: true, force: true });
  });

  it('gets charon’s stateless INVALID_KE_PAYLOAD on UDP 500 and 4500', () => {
    const h2 = paths.filter((p) => p.to === 'h2').map((p) => [p.probe, p.state, p.ike?.response]);
    expect(h2).toEqual([
      ['ike-udp500', 'up', 'INVALID_KE_PAYLOAD'],
      ['ike-udp4500', 'up', 'INVALID_KE_PAYLOAD'],
    ]);
  });

  it('leaves no half-open IKE SA on the peer', () => {
    expect(halfOpen()).toEqual({ total: 0, halfOpen: 0 });
  });

  it('reads the peer as refused on both ports once its charon is stopped', async () => {
    const stopped = new Promise((resolve) => charon!.once('exit', resolve));
    charon!.kill('SIGTERM');
    await stopped;
    charon = null;
    const after = (await probe()).map((p) => [p.probe, p.state, p.ike?.outcome]);
    expect(after).toEqual([
      ['ike-udp500', 'down', 'refused'],
      ['ike-udp4500', 'down', 'refused'],
    ]);
  });
});
