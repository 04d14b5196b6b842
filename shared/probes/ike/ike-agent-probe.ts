import { randomBytes } from 'node:crypto';
import type { PathResult } from '../../domain/sweep-report.js';
import { type DockerHostClient, isTransportError } from '../../transport/docker-host-client.js';
import type { AgentProbe, AgentProbeContext } from '../agent-probe.js';
import { unknownPath } from '../unknown-path.js';
import { ensureCarrier, forgetCarrier } from './ike-carrier.js';
import { type IkePort, ikePathResult, ikeProbeKind, parseIkeProbeLines } from './ike-path-result.js';
import { IKE_PROBE_IMAGE, IKE_PROBE_PATH, ikeProbeRootfs } from './ike-probe-image.js';
import { ikeSaInitRequestStamper, withNonEspMarker } from './ike-sa-init-request.js';

export { IKE_PROBE_IMAGE };

export interface IkeProbeImage {
  name: string;
  /** The image's rootfs tarball, asked for only when a host lacks the image. */
  rootfs: () => Uint8Array;
}

/** The sidecar image every shell uses: one static program (ike-probe.c), its tarball built in memory. */
export const DEFAULT_IKE_PROBE_IMAGE: IkeProbeImage = { name: IKE_PROBE_IMAGE, rootfs: ikeProbeRootfs };

// Finding or starting a carrier (and importing its ~10 KB image, once per host) happens before the
// pings start (prepare), so it never competes with them for the source host's CPU.
const CARRIER_SETUP_DEADLINE_MS = 20_000;
// What one exec in the carrier costs beyond the reply wait (create + start + the stream's end).
const EXEC_OVERHEAD_MS = 1_000;
// Below this the exec cannot even be made: report unknown instead of trying.
const MIN_EXEC_MS = 300;
/** The program's last line once every target has its own (ike-probe.c). */
const IKE_PROBE_END = '- end';

const PORTS: readonly IkePort[] = [500, 4500];
const NONCE_BYTES = 32;
// Built on first use, not when the module loads: importing the probe registry then costs nothing,
// and the request builder runs only where a probe (or a test) asks for it.
let stamper: ReturnType<typeof ikeSaInitRequestStamper> | null = null;
function stampRequest(spi: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (stamper === null) stamper = ikeSaInitRequestStamper({ nonceLength: NONCE_BYTES });
  return stamper(spi, nonce);
}

/**
 * IKE reachability from the source agent's own network namespace: ONE exec per agent per sweep in
 * the agent's long-lived carrier (ike-carrier.ts, sharing the agent's network namespace) sends a
 * stateless IKE_SA_INIT to every peer on UDP 500 and 4500 at once, so its packets leave with the
 * agent's address and NAT, exactly like charon's. It runs alongside the exec batch's pings.
 */
export function ikeAgentProbe(
  image: IkeProbeImage,
  random: (n: number) => Uint8Array = randomBytes,
): AgentProbe {
  return {
    kinds: ['ike-udp500', 'ike-udp4500'],
    async prepare(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<void> {
      if (!ctx.peers.some((p) => p.underlayIp !== null)) return;
      await ensureCarrier(client, ctx.agent.containerId, image, {
        deadlineMs: Math.min(CARRIER_SETUP_DEADLINE_MS, ctx.budgetMs ?? CARRIER_SETUP_DEADLINE_MS),
        signal,
      });
    },
    async run(ctx: AgentProbeContext, client: DockerHostClient, signal: AbortSignal): Promise<PathResult[]> {
      const started = performance.now();
      const left = () => (ctx.budgetMs ?? Number.POSITIVE_INFINITY) - (performance.now() - started);
      // One draw of randomness for every probe's SPI and nonce (one call per probe cost more than the rest).
      const jobCount = ctx.peers.length * PORTS.length;
      const pool = random(jobCount * (8 + NONCE_BYTES));
      const jobs = ctx.peers.flatMap((peer, index) =>
        PORTS.map((port, p) => {
          const at = (index * PORTS.length + p) * (8 + NONCE_BYTES);
          const spi = nonZeroSpi(pool.subarray(at, at + 8), random);
          return {
            id: `p${index}-${port}`,
            peer,
            port,
            spi,
            nonce: pool.subarray(at + 8, at + 8 + NONCE_BYTES),
          };
        }),
      );
      const targets = jobs.filter((j) => j.peer.underlayIp !== null);
      const unaddressed = jobs
        .filter((j) => j.peer.underlayIp === null)
        .map((j) =>
          unknownPath(
            ctx.self,
            j.peer.name,
            ikeProbeKind(j.port),
            null,
            'no underlay address known for this peer',
          ),
        );
      if (targets.length === 0) return unaddressed;

      const setup = { deadlineMs: Math.min(CARRIER_SETUP_DEADLINE_MS, left()), signal };
      // The reply wait shrinks to what is left of the budget, so a late probe still reports.
      const execMs = Math.min(ctx.timing.ikeTimeoutMs + EXEC_OVERHEAD_MS, Math.floor(left()));
      if (execMs < MIN_EXEC_MS) {
        throw new Error(`no time left in the sweep budget for the IKE probe (${Math.max(0, execMs)} ms)`);
      }
      const waitMs = Math.min(ctx.timing.ikeTimeoutMs, Math.max(100, execMs - EXEC_OVERHEAD_MS));
      // ike-probe.c's usage: WAIT_MS, then ID IPV4 PORT HEX per target; it re-checks every field.
      const argv = [
        IKE_PROBE_PATH,
        String(Math.round(waitMs)),
        ...targets.flatMap((j) => {
          const request = stampRequest(j.spi, j.nonce);
          const bytes = j.port === 4500 ? withNonEspMarker(request) : request;
          return [j.id, j.peer.underlayIp!, String(j.port), Buffer.from(bytes).toString('hex')];
        }),
      ];
      const probeOnce = async () => {
        const carrier = await ensureCarrier(client, ctx.agent.containerId, image, setup);
        return client.exec(carrier, argv, {
          deadlineMs: Math.min(execMs, Math.floor(left())),
          signal,
          completeMarker: IKE_PROBE_END,
        });
      };
      let result: Awaited<ReturnType<typeof probeOnce>>;
      try {
        result = await probeOnce();
      } catch (e) {
        // The carrier went away (removed by hand, or by another instance): start afresh, once.
        if (!isTransportError(e) || (e.kind !== 'not-found' && e.kind !== 'conflict')) throw e;
        forgetCarrier(client);
        result = await probeOnce();
      }
      const lines = parseIkeProbeLines(result.stdout);
      const measured = targets.map((j) => {
        const path = ikePathResult(ctx.self, j.peer.name, j.port, j.peer.underlayIp!, j.spi, lines.get(j.id));
        return path.state === 'unknown' && !lines.has(j.id) && result.exitCode !== 0
          ? { ...path, error: `the IKE probe exited with ${result.exitCode}` }
          : path;
      });
      return [...measured, ...unaddressed];
    },
  };
}

function nonZeroSpi(drawn: Uint8Array, random: (n: number) => Uint8Array): Uint8Array {
  for (let spi = drawn; ; spi = random(8)) if (spi.some((b) => b !== 0)) return spi;
}
