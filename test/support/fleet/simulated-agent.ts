// What a command run inside a fleet host's agent container (exec) or IKE sidecar prints, given the
// fleet plan. Pure: argv in, exit code and output out. Only the command lines tunnelwatch really
// sends are understood; anything else fails the way a missing binary does in a real container.

import { IKE_PROBE_AGENT_PATH } from '../../../shared/probes/ike/ike-agent-copy.js';
import { IKE_PROBE_PATH } from '../../../shared/probes/ike/ike-probe-image.js';
import {
  type BatchJobOutput,
  batchStdout,
  type IkeProbeLine,
  ikeProbeLine,
  ikeReplyHex,
  ikeStampedRequest,
  pingOutput,
  type SaSimulation,
  swanctlOutput,
} from './agent-outputs.js';
import {
  type FleetHost,
  type FleetPlan,
  ikeKilled,
  ikeOutcome,
  lostPings,
  roundTrip,
  rttMs,
  saState,
  tunnelCarries,
} from './fleet-plan.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const notFound = (binary: string): CommandResult => ({
  exitCode: 126,
  stdout: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${binary}": executable file not found in $PATH: unknown\r\n`,
  stderr: '',
});

/** `docker exec` in the agent of `self`, whose filesystem holds `files` (paths put there through the API). */
export function agentExec(
  plan: FleetPlan,
  self: FleetHost,
  argv: readonly string[],
  files: ReadonlySet<string> = new Set(),
): CommandResult {
  if (argv[0] === 'sh' && argv[1] === '-c' && argv[3] === 'tunnelwatch-batch')
    return batch(plan, self, argv.slice(4), files);
  // The IKE probe program tunnelwatch put into the agent, run by itself (the retry after a lost copy).
  if (argv[0] === IKE_PROBE_AGENT_PATH && files.has(argv[0])) return ikeProgram(plan, self, argv.slice(1));
  if (argv[0] === 'rm' && argv[1] === '-f' && argv.length === 3)
    return { exitCode: 0, stdout: '', stderr: '' };
  if (argv.join(' ') === 'ip -o -4 addr show') {
    return {
      exitCode: 0,
      stdout:
        '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n' +
        `2: eth0    inet ${self.overlayIp}/16 brd 100.64.255.255 scope global eth0\\       valid_lft forever preferred_lft forever\n`,
      stderr: '',
    };
  }
  return notFound(argv[0] ?? '');
}

// The batch script's ops and their arity (shared/probes/exec-batch.ts); an unknown op ends it with 124.
export const OP_ARITY: Record<string, number> = {
  ping: 4,
  'ping-sized': 5,
  'ipsec-sas': 0,
  'ipsec-sas-after': 1,
  'ipsec-conns': 0,
};

/** Where the batch script looks for the IKE probe program tunnelwatch put into the agent. */
const agentProgram = (hash: string) => `/tmp/tunnelwatch-ike-probe-${hash}`;

function batch(
  plan: FleetPlan,
  self: FleetHost,
  args: readonly string[],
  files: ReadonlySet<string>,
): CommandResult {
  // NONCE BUDGET ICMP-PROGRAM-HASH, then the jobs (the fleet's pings fare the same either way).
  const [nonce, , , ...rest] = args;
  if (!nonce) return { exitCode: 2, stdout: '', stderr: 'sh: 1: nonce: parameter not set\n' };
  const jobs: BatchJobOutput[] = [];
  for (let i = 0; i < rest.length; ) {
    const id = rest[i]!;
    const op = rest[i + 1] ?? '';
    if (op === 'ike-probe') {
      // Takes the rest of argv: HASH WAIT TEMPLATE [ID IPV4 PORT STAMP]…; the shell's 127 when the program is not there.
      const hash = rest[i + 2] ?? '';
      const program = agentProgram(hash);
      const run = files.has(program)
        ? ikeProgram(plan, self, rest.slice(i + 3))
        : { exitCode: 127, stdout: `sh: ${program}: not found\n`, stderr: '' };
      jobs.push({ id, exitCode: run.exitCode, output: run.stdout });
      break;
    }
    const arity = OP_ARITY[op];
    if (arity === undefined || i + 2 + arity > rest.length) return { exitCode: 124, stdout: '', stderr: '' };
    const opArgs = rest.slice(i + 2, i + 2 + arity);
    i += 2 + arity;
    // The fleet simulates no size-dependent faults: a sized ping fares as a plain one.
    const result =
      op === 'ping'
        ? ping(plan, self, opArgs)
        : op === 'ping-sized'
          ? ping(plan, self, [opArgs[0]!, opArgs[1]!, opArgs[2]!, opArgs[4]!])
          : op === 'ipsec-conns'
            ? ipsecConns(plan, self)
            : ipsecSas(plan, self);
    jobs.push({ id, ...result });
  }
  return { exitCode: 0, stdout: batchStdout(nonce, jobs), stderr: '' };
}

function ping(plan: FleetPlan, self: FleetHost, [countText, , , target]: string[]) {
  const count = Number(countText);
  const flavour = self.ping;
  const overlayPeer = plan.byOverlay.get(target!);
  const underlayPeer = plan.byUnderlay.get(target!);
  const peer = overlayPeer ?? underlayPeer;
  const overlay = overlayPeer !== undefined;
  if (overlay && ikeKilled(plan, self))
    return pingOutput({ flavour, target: target!, count, replies: [], unreachable: true });
  const reaches =
    peer !== undefined &&
    peer !== self &&
    (overlay ? tunnelCarries(plan, self, peer) : roundTrip(plan, self, peer, null));
  const lost = reaches ? lostPings(plan, self, peer!, count) : null;
  const replies = Array.from({ length: count }, (_, seq) =>
    lost === null || lost.has(seq) ? null : rttMs(self, peer!, seq, overlay),
  );
  return pingOutput({ flavour, target: target!, count, replies });
}

function ipsecSas(plan: FleetPlan, self: FleetHost) {
  if (ikeKilled(plan, self)) return swanctlOutput('daemon-down');
  const sas: SaSimulation[] = [];
  for (const peer of plan.hosts) {
    if (peer === self) continue;
    sas.push({
      self,
      peer,
      remoteHost: peer.advertisedIp,
      state: saState(plan, self, peer),
      uniqueId: sas.length + 1,
    });
  }
  return swanctlOutput(sas);
}

/** `swanctl --list-conns --raw`: one connection per peer, dialling its advertised address. */
function ipsecConns(plan: FleetPlan, self: FleetHost) {
  if (ikeKilled(plan, self)) return swanctlOutput('daemon-down');
  const subnet = (ip: string) => `${ip.replace(/\.\d+$/, '.0')}/24`;
  const lines = plan.hosts
    .filter((peer) => peer !== self)
    .map(
      (peer) =>
        `list-conn event {${self.name}-${peer.name} {local_addrs=[%any] remote_addrs=[${peer.advertisedIp}] version=IKEv2 ` +
        `reauth_time=0 rekey_time=14400 unique=UNIQUE_REPLACE dpd_delay=10 local-1 {id=${self.name} class=pre-shared key} ` +
        `remote-1 {id=${peer.name} class=pre-shared key} children {${self.name}-${peer.name} {mode=TUNNEL ` +
        `rekey_time=3600 dpd_action=start close_action=start local-ts=[${subnet(self.overlayIp)}] remote-ts=[${subnet(peer.overlayIp)}]}}}}`,
    );
  return { exitCode: 0, output: `${[...lines, 'list-conns reply {}'].join('\n')}\n` };
}

/** The IKE probe program in `self`'s carrier (the fallback), sharing its agent's network namespace. */
export function ikeSidecar(plan: FleetPlan, self: FleetHost, argv: readonly string[]): CommandResult {
  if (argv[0] !== IKE_PROBE_PATH) return notFound(argv[0] ?? '');
  return ikeProgram(plan, self, argv.slice(1));
}

/** What the IKE probe program prints in `self`'s network namespace, given its arguments. */
function ikeProgram(plan: FleetPlan, self: FleetHost, args: readonly string[]): CommandResult {
  // ike-probe.c's argv: WAIT_MS TEMPLATE, then ID IPV4 PORT STAMP per target.
  const lines: IkeProbeLine[] = [];
  const template = args[1] ?? '';
  if (!/^([0-9a-f]{2}){44,2048}$/.test(template))
    return { exitCode: 2, stdout: '- error bad-template\n', stderr: '' };
  const targets = args.slice(2);
  for (let i = 0; i + 4 <= targets.length; i += 4) {
    const [id, ip, portText, stamp] = targets.slice(i, i + 4) as [string, string, string, string];
    const port = portText === '500' ? 500 : portText === '4500' ? 4500 : null;
    if (port === null) {
      lines.push({ id, outcome: 'error', reason: 'bad-port' });
      continue;
    }
    const outcome = ikeOutcome(plan, self, ip, port);
    const peer = plan.byUnderlay.get(ip);
    const rttMicros = peer ? Math.round(rttMs(self, peer, 0, false) * 1000) : 0;
    if (outcome === 'timeout') lines.push({ id, outcome });
    else if (outcome === 'refused') lines.push({ id, outcome, rttMicros });
    else {
      const request = ikeStampedRequest(template, stamp, port);
      const replyHex = request && ikeReplyHex(request, port);
      lines.push(
        replyHex ? { id, outcome, rttMicros, replyHex } : { id, outcome: 'error', reason: 'bad-stamp' },
      );
    }
  }
  // The program's last line, once every target has its own.
  return { exitCode: 0, stdout: `${lines.map((l) => `${ikeProbeLine(l)}\n`).join('')}- end\n`, stderr: '' };
}

/** The names of a ustar archive's entries (what `PUT …/archive` would unpack), read from its headers. */
export function tarEntryNames(tarball: Uint8Array): string[] {
  const names: string[] = [];
  const bytes = Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength);
  for (let at = 0; at + 512 <= bytes.length; ) {
    const name = bytes
      .subarray(at, at + 100)
      .toString('latin1')
      .replace(/\0.*$/s, '');
    if (name === '') break;
    const size = Number.parseInt(
      bytes
        .subarray(at + 124, at + 136)
        .toString('latin1')
        .replace(/\0.*$/s, ''),
      8,
    );
    names.push(name);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}
