// What the commands tunnelwatch runs inside an agent print, in the formats the real tools use
// (shapes taken from the captures in test/fixtures/ping, test/fixtures/swanctl, test/fixtures/ike).
// Each format is one small function, so a change of tool or framing is a change in one place.
import { readFileSync } from 'node:fs';
import type { FleetHost, PingFlavour } from './fleet-plan.js';

export interface PingSimulation {
  flavour: PingFlavour;
  target: string;
  count: number;
  /** One entry per sent packet: its RTT in ms, or null when lost. */
  replies: (number | null)[];
  /** The agent has no route (its charon and TUN device are gone). */
  unreachable?: boolean;
}

/** The output and exit code of `ping -c COUNT -i INTERVAL -W TIMEOUT TARGET`. */
export function pingOutput(sim: PingSimulation): { exitCode: number; output: string } {
  const { flavour, target, count, replies } = sim;
  const ms = (n: number) => n.toFixed(3);
  if (sim.unreachable) {
    return flavour === 'busybox'
      ? {
          exitCode: 1,
          output: `PING ${target} (${target}): 56 data bytes\nping: sendto: Network is unreachable\n`,
        }
      : { exitCode: 2, output: `ping: connect: Network is unreachable\n` };
  }
  const got = replies.flatMap((r, seq) => (r === null ? [] : [{ seq, r }]));
  const lines: string[] = [];
  const rtts = got.map((g) => g.r);
  const min = Math.min(...rtts);
  const max = Math.max(...rtts);
  const avg = rtts.reduce((a, b) => a + b, 0) / Math.max(1, rtts.length);
  if (flavour === 'busybox') {
    lines.push(`PING ${target} (${target}): 56 data bytes`);
    for (const g of got) lines.push(`64 bytes from ${target}: seq=${g.seq} ttl=64 time=${ms(g.r)} ms`);
    lines.push('', `--- ${target} ping statistics ---`);
    const loss = Math.floor(((count - got.length) * 100) / count);
    lines.push(`${count} packets transmitted, ${got.length} packets received, ${loss}% packet loss`);
    if (got.length > 0) lines.push(`round-trip min/avg/max = ${ms(min)}/${ms(avg)}/${ms(max)} ms`);
  } else {
    lines.push(`PING ${target} (${target}) 56(84) bytes of data.`);
    for (const g of got)
      lines.push(`64 bytes from ${target}: icmp_seq=${g.seq + 1} ttl=64 time=${ms(g.r)} ms`);
    lines.push('', `--- ${target} ping statistics ---`);
    const loss = (((count - got.length) * 100) / count).toFixed(4).replace(/\.?0+$/, '');
    const time = Math.round(count * 202);
    lines.push(`${count} packets transmitted, ${got.length} received, ${loss}% packet loss, time ${time}ms`);
    if (got.length > 0) {
      const mdev = Math.sqrt(rtts.reduce((a, r) => a + (r - avg) ** 2, 0) / rtts.length);
      lines.push(`rtt min/avg/max/mdev = ${ms(min)}/${ms(avg)}/${ms(max)}/${ms(mdev)} ms`);
    }
  }
  return { exitCode: got.length > 0 ? 0 : 1, output: `${lines.join('\n')}\n` };
}

export interface SaSimulation {
  self: FleetHost;
  peer: FleetHost;
  /** The address self's charon has for the peer (its advertised IP). */
  remoteHost: string;
  state: 'ESTABLISHED' | 'CONNECTING';
  uniqueId: number;
}

/** One `list-sa event` line of `swanctl --list-sas --raw`, as charon 5.9 prints it. */
export function swanctlSaLine(sa: SaSimulation): string {
  const { self, peer } = sa;
  const initiator = self.index < peer.index;
  const spi = (seed: number) =>
    (BigInt(seed) * 0x9e3779b97f4a7c15n).toString(16).slice(-16).padStart(16, '0');
  const name = `peer-${peer.name}`;
  if (sa.state === 'CONNECTING') {
    return (
      `list-sa event {${name} {uniqueid=${sa.uniqueId} version=2 state=CONNECTING local-host=${self.underlayIp} ` +
      `local-port=500 local-id=%any remote-host=${sa.remoteHost} remote-port=500 remote-id=%any initiator=yes ` +
      `initiator-spi=${spi(self.index * 1000 + peer.index)} responder-spi=0000000000000000 ` +
      `tasks-active=[IKE_VENDOR IKE_INIT IKE_NATD IKE_CERT_PRE IKE_AUTH IKE_CERT_POST IKE_CONFIG IKE_AUTH_LIFETIME IKE_MOBIKE IKE_ESTABLISH CHILD_CREATE] child-sas {}}}`
    );
  }
  const [lo, hi] = initiator ? [self, peer] : [peer, self];
  const pair = lo.index * 1000 + hi.index;
  const packets = 3 + (pair % 40);
  return (
    `list-sa event {${name} {uniqueid=${sa.uniqueId} version=2 state=ESTABLISHED local-host=${self.underlayIp} ` +
    `local-port=4500 local-id=${self.underlayIp} remote-host=${sa.remoteHost} remote-port=4500 remote-id=${sa.remoteHost} ` +
    `${initiator ? 'initiator=yes ' : ''}initiator-spi=${spi(pair)} responder-spi=${spi(pair + 7)} nat-remote=yes nat-any=yes ` +
    `encr-alg=AES_CBC encr-keysize=128 integ-alg=HMAC_SHA2_256_128 prf-alg=PRF_HMAC_SHA2_256 dh-group=MODP_2048 ` +
    `established=${600 + (pair % 300)} rekey-time=${12000 + (pair % 900)} child-sas {${name}-${sa.uniqueId} {name=${name} ` +
    `uniqueid=${sa.uniqueId} reqid=${sa.uniqueId} state=INSTALLED mode=TUNNEL protocol=ESP encap=yes ` +
    // One child SA seen from both ends: the initiator's spi-in is the responder's spi-out.
    `spi-in=${spi(pair + (initiator ? 1 : 2)).slice(-8)} spi-out=${spi(pair + (initiator ? 2 : 1)).slice(-8)} encr-alg=AES_CBC encr-keysize=128 ` +
    `integ-alg=HMAC_SHA2_256_128 bytes-in=${packets * 84} packets-in=${packets} use-in=6 bytes-out=${packets * 84} ` +
    `packets-out=${packets} use-out=6 rekey-time=3275 life-time=3951 install-time=600 ` +
    `local-ts=[${self.overlayIp.replace(/\.\d+$/, '.0')}/24] remote-ts=[${peer.overlayIp.replace(/\.\d+$/, '.0')}/24]}}}}`
  );
}

/** The whole `swanctl --list-sas --raw` output, or the VICI failure when charon is dead. */
export function swanctlOutput(sas: readonly SaSimulation[] | 'daemon-down'): {
  exitCode: number;
  output: string;
} {
  if (sas === 'daemon-down') {
    return {
      exitCode: 1,
      output:
        "connecting to 'unix:///var/run/charon.vici' failed: Connection refused\n" +
        "Error: connecting to 'unix:///var/run/charon.vici' URI failed: Connection refused\n",
    };
  }
  return { exitCode: 0, output: `${[...sas.map(swanctlSaLine), 'list-sas reply {}'].join('\n')}\n` };
}

export interface BatchJobOutput {
  id: string;
  exitCode: number;
  output: string;
}

/**
 * stdout of shared/probes/exec-batch.ts's BATCH_SCRIPT: per job a `@@tw-NONCE job ID RC` line, the
 * job's output, one newline, and `@@tw-NONCE end ID`.
 */
export function batchStdout(nonce: string, jobs: readonly BatchJobOutput[]): string {
  let out = '';
  for (const job of jobs) {
    out += `@@tw-${nonce} job ${job.id} ${job.exitCode}\n${job.output}\n@@tw-${nonce} end ${job.id}\n`;
  }
  // The script's last line: it ran to its end.
  return `${out}@@tw-${nonce} done\n`;
}

// charon's real answer to our IKE_SA_INIT (INVALID_KE_PAYLOAD asking for group 14), captured in
// test/fixtures/ike; only the initiator SPI differs per probe.
const fixture = (name: string) =>
  Buffer.from(readFileSync(new URL(`../../fixtures/ike/${name}`, import.meta.url), 'utf8').trim(), 'hex');
const INVALID_KE_REPLY_500 = fixture('udp500-invalid-ke.reply.hex');
const INVALID_KE_REPLY_4500 = fixture('udp4500-invalid-ke.reply.hex');

/**
 * The datagram ike-probe.c sends to one target: the template with the stamp's SPI (its first 8 bytes)
 * at the start and its nonce (the rest) at the end, behind the non-ESP marker on port 4500. Null
 * where the program would report the stamp as bad.
 */
export function ikeStampedRequest(templateHex: string, stampHex: string, port: 500 | 4500): Buffer | null {
  if (!/^([0-9a-f]{2})*$/.test(stampHex)) return null;
  const template = Buffer.from(templateHex, 'hex');
  const stamp = Buffer.from(stampHex, 'hex');
  if (stamp.length < 24 || stamp.length - 8 > template.length - 28) return null;
  const request = Buffer.from(template);
  stamp.copy(request, 0, 0, 8);
  stamp.copy(request, request.length - (stamp.length - 8), 8);
  return port === 4500 ? Buffer.concat([Buffer.alloc(4), request]) : request;
}

/** charon's INVALID_KE_PAYLOAD answer to one of our requests (the bytes as sent on `port`). */
export function ikeReplyHex(request: Buffer, port: 500 | 4500): string | null {
  const header = port === 4500 ? 4 : 0;
  if (request.length < header + 28) return null;
  const reply = Buffer.from(port === 4500 ? INVALID_KE_REPLY_4500 : INVALID_KE_REPLY_500);
  request.copy(reply, header, header, header + 8);
  return reply.toString('hex');
}

export type IkeProbeLine =
  | { id: string; outcome: 'answered'; rttMicros: number; replyHex: string }
  | { id: string; outcome: 'timeout' }
  | { id: string; outcome: 'refused'; rttMicros: number }
  | { id: string; outcome: 'error'; reason: string };

/**
 * One line of the IKE sidecar's output (shared/probes/ike/ike-probe.c): `<id> answered <µs>
 * <hex>` | `<id> timeout` | `<id> refused <µs>` | `<id> error <reason>`. The one place that knows the
 * sidecar's line format.
 */
export function ikeProbeLine(line: IkeProbeLine): string {
  switch (line.outcome) {
    case 'answered':
      return `${line.id} answered ${line.rttMicros} ${line.replyHex}`;
    case 'refused':
      return `${line.id} refused ${line.rttMicros}`;
    case 'timeout':
      return `${line.id} timeout`;
    case 'error':
      return `${line.id} error ${line.reason}`;
  }
}
