import type { Ipv4 } from '../../domain/ipv4.js';
import type { ProbeKind } from '../../domain/probe-kind.js';
import type { PathResult } from '../../domain/sweep-report.js';
import type { AgentProbeContext, ExecJob, ExecProbe, JobOutput, PeerTarget } from '../agent-probe.js';
import { unknownPath } from '../unknown-path.js';
import { pingPathResult } from './ping-path-result.js';

type PingKind = Extract<ProbeKind, 'overlay-icmp' | 'underlay-icmp'>;

const TARGET: Record<PingKind, (peer: PeerTarget) => Ipv4 | null> = {
  'overlay-icmp': (peer) => peer.overlayIp,
  'underlay-icmp': (peer) => peer.underlayIp,
};

const JOB_PREFIX: Record<PingKind, string> = { 'overlay-icmp': 'ov', 'underlay-icmp': 'ul' };

/**
 * ICMP from the source agent to each peer: `overlay-icmp` to the peer agent's overlay IP (through
 * the IPsec tunnel), `underlay-icmp` to the peer's underlay address (host to host, no tunnel).
 * A peer without a known target address (no agent found, no underlay IP configured) is skipped.
 */
export function pingExecProbe(kind: PingKind): ExecProbe {
  const jobId = (index: number) => `${JOB_PREFIX[kind]}-${index}`;
  return {
    kinds: [kind],
    jobs(ctx: AgentProbeContext): ExecJob[] {
      const { pingCount, pingIntervalSec, pingTimeoutSec } = ctx.timing;
      return ctx.peers.flatMap((peer, i) => {
        const target = TARGET[kind](peer);
        if (!target) return [];
        return [
          {
            id: jobId(i),
            op: 'ping',
            args: [String(pingCount), String(pingIntervalSec), String(pingTimeoutSec), target],
          },
        ];
      });
    },
    parse(
      ctx: AgentProbeContext,
      outputs: ReadonlyMap<string, JobOutput>,
      failure: string | null,
    ): PathResult[] {
      return ctx.peers.flatMap((peer, i) => {
        const target = TARGET[kind](peer);
        // No target, no path: the peer's host finding (no agent, Docker unreachable) or the missing
        // underlay IP in the config already says why, and diagnosis reads those.
        if (!target) return [];
        const job = outputs.get(jobId(i));
        return [
          job
            ? pingPathResult(ctx.self, peer.name, kind, target, ctx.timing.pingCount, job)
            : unknownPath(
                ctx.self,
                peer.name,
                kind,
                target,
                failure ?? 'the probe batch did not finish this ping',
              ),
        ];
      });
    },
  };
}

export const overlayIcmpProbe: ExecProbe = pingExecProbe('overlay-icmp');
export const underlayIcmpProbe: ExecProbe = pingExecProbe('underlay-icmp');
