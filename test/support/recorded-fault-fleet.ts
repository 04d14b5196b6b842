import { readFileSync } from 'node:fs';
import type { HostConfig } from '../../shared/config/tunnelwatch-config.js';
import { IKE_PROBE_AGENT_PATH } from '../../shared/probes/ike/ike-agent-copy.js';
import type {
  CallOptions,
  ContainerDetails,
  ContainerSummary,
  DockerHostClient,
  ExecResult,
} from '../../shared/transport/docker-host-client.js';

/**
 * A fleet of Network Agents that replays what the lab's agents print under a tunnel fault: the
 * probes, their parsers and diagnosis are the product's, only the outputs are recorded. Host hN has
 * overlay IP 100.64.N.2 and underlay 198.18.0.(10+N); nothing is sent to those addresses, they are
 * only the data the probes put in argv and the replay reads back.
 *
 * `udp4500BlockedBetween: [a, b]` is the lab's `fault block-udp4500 a b`: ESP-in-UDP and IKE on UDP
 * 4500 dropped both ways, so the overlay ping between them gets no reply and the UDP 4500 IKE probe
 * times out, while the underlay ping and IKE on UDP 500 (INVALID_KE_PAYLOAD) still answer.
 */
export interface RecordedFault {
  udp4500BlockedBetween: [string, string];
}

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const PING_OK = fixture('ping/busybox-ok.txt');
const PING_LOST = fixture('ping/busybox-total-loss.txt');
// charon's answer to the default probe (INVALID_KE_PAYLOAD), as received on the socket.
const IKE500_REPLY = Buffer.from(fixture('ike/udp500-invalid-ke.reply.hex').trim(), 'hex');
const IKE4500_REPLY = Buffer.from(fixture('ike/udp4500-invalid-ke.reply.hex').trim(), 'hex');

const hostNumber = (ip: string): number => {
  const overlay = /^100\.64\.(\d+)\.2$/.exec(ip);
  if (overlay) return Number(overlay[1]);
  const underlay = /^198\.18\.0\.(\d+)$/.exec(ip);
  if (underlay) return Number(underlay[1]) - 10;
  throw new Error(`recorded fleet: ${ip} is no host of the fleet`);
};

const CARRIER_ID = 'carrier';

class RecordedAgent implements DockerHostClient {
  readonly #n: number;
  readonly #fault: RecordedFault;
  constructor(n: number, fault: RecordedFault) {
    this.#n = n;
    this.#fault = fault;
  }

  #blockedTo(peer: number): boolean {
    const [a, b] = this.#fault.udp4500BlockedBetween.map((h) => Number(h.slice(1)));
    return (this.#n === a && peer === b) || (this.#n === b && peer === a);
  }

  #labels() {
    return {
      'io.rancher.container.system': 'NetworkAgent',
      'io.rancher.container.ip': `100.64.${this.#n}.2/16`,
    };
  }

  async listContainers(_opts: CallOptions): Promise<ContainerSummary[]> {
    const labels = this.#labels();
    return [
      { id: `agent-h${this.#n}`, names: ['agent'], image: 'agent', state: 'running', labels, dockerIps: [] },
    ];
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    return {
      id,
      name: 'agent',
      running: true,
      labels: this.#labels(),
      env: [`CATTLE_AGENT_IP=198.18.0.${10 + this.#n}`],
    };
  }

  /**
   * The exec batch: `sh -c SCRIPT tunnelwatch-batch NONCE BUDGET (ID OP ARGS…)…`, answered in its
   * output format; its last job may be the IKE probe program put into the agent (op `ike-probe`).
   */
  async exec(id: string, argv: string[]): Promise<ExecResult> {
    // The program by itself: in the carrier, or in the agent it was put into (a client that knows no
    // earlier sweep of this agent puts it in and runs it alone once).
    if (id === CARRIER_ID || argv[0] === IKE_PROBE_AGENT_PATH) return this.#ikeProbe(argv);
    // sh -c SCRIPT NAME NONCE BUDGET ICMP-HASH, then the jobs (exec-batch.ts batchArgv).
    const [nonce] = argv.slice(4, 5);
    const blocks: string[] = [];
    for (let i = 7; i < argv.length; ) {
      const [id, op] = [argv[i]!, argv[i + 1]!];
      if (op === 'ike-probe') {
        const ike = this.#ikeProbe(argv.slice(i + 2));
        blocks.push(`@@tw-${nonce} job ${id} 0`, ike.stdout, `@@tw-${nonce} end ${id}`);
        break;
      }
      if (op !== 'ping') throw new Error(`recorded fleet: no recording for op ${op}`);
      const target = argv[i + 5]!;
      const peer = hostNumber(target);
      const overlay = target.startsWith('100.64.');
      const lost = overlay && this.#blockedTo(peer);
      blocks.push(
        `@@tw-${nonce} job ${id} ${lost ? 1 : 0}`,
        lost ? PING_LOST : PING_OK,
        '',
        `@@tw-${nonce} end ${id}`,
      );
      i += 6;
    }
    return { exitCode: 0, stdout: `${blocks.join('\n')}\n`, stderr: '' };
  }

  async startCarrier(): Promise<string> {
    return CARRIER_ID;
  }

  async removeContainer(): Promise<void> {}

  /** The agent takes the IKE probe program (the replay needs no bytes of it). */
  async putArchive(): Promise<void> {}

  /** The IKE probe (in the agent's batch, or in a carrier; argv WAIT TEMPLATE [ID IPV4 PORT STAMP]…): one line per probe, `ID answered RTT_US REPLY_HEX` or `ID timeout`. */
  #ikeProbe(argv: string[]): ExecResult {
    const lines: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const id = argv[i]!;
      if (!/^p\d+-(500|4500)$/.test(id)) continue;
      const [ip, port, stamp] = [argv[i + 1]!, Number(argv[i + 2]), argv[i + 3]!];
      const peer = hostNumber(ip);
      if (port === 4500 && this.#blockedTo(peer)) {
        lines.push(`${id} timeout`);
      } else {
        // The recorded reply, carrying this probe's initiator SPI (charon echoes it): its stamp's first 8 bytes.
        const offset = port === 4500 ? 4 : 0;
        const reply = Buffer.from(port === 4500 ? IKE4500_REPLY : IKE500_REPLY);
        Buffer.from(stamp, 'hex').copy(reply, offset, 0, 8);
        lines.push(`${id} answered 850 ${reply.toString('hex')}`);
      }
      i += 3;
    }
    return { exitCode: 0, stdout: `${lines.join('\n')}\n- end\n`, stderr: '' };
  }

  async ensureImage(): Promise<void> {}
  async close(): Promise<void> {}
}

export function recordedFaultFleet(fault: RecordedFault): (host: HostConfig) => DockerHostClient {
  return (host) => new RecordedAgent(Number(host.name.slice(1)), fault);
}
