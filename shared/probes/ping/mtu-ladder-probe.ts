import type { MtuRung, PathResult, State } from '../../domain/sweep-report.js';
import type { AgentProbeContext, ExecJob, ExecProbe, JobOutput } from '../agent-probe.js';
import { sharedMtuDetail } from '../shared-details.js';
import { unknownPath } from '../unknown-path.js';
import { parsePingOutput } from './parse-ping-output.js';

/**
 * Overlay packet sizes (IP total length) of the MTU ladder, largest first. 1400 is the agents'
 * tunnel MTU (charon's kernel-libipsec default; Rancher's container MTU is 1402); below it each
 * rung is one common overlay MTU an operator might set.
 */
export const MTU_LADDER = [1400, 1300, 1200, 1000] as const;
/** Pings per rung: two, so a single random loss cannot make a rung look blocked. */
export const MTU_PINGS_PER_RUNG = 2;
const IP_ICMP_HEADERS = 28;

const jobId = (peer: number, bytes: number) => `mtu-${peer}-${bytes}`;

/**
 * The MTU ladder: a few sized overlay pings per peer, riding in the same exec batch as every other
 * probe (they run concurrently, so they add packets but no time on the critical path). BusyBox ping
 * has no don't-fragment flag: a rung above the tunnel MTU would be fragmented by the agent before
 * encryption, which is why the ladder stops at the tunnel MTU. A black hole on the path (ESP-in-UDP
 * datagrams above some size dropped) then shows as every rung above a size lost and every rung
 * below it answered.
 */
export const mtuLadderProbe: ExecProbe = {
  kinds: ['overlay-mtu'],
  jobs(ctx: AgentProbeContext): ExecJob[] {
    const { pingIntervalSec, pingTimeoutSec } = ctx.timing;
    return ctx.peers.flatMap((peer, i) => {
      if (!peer.overlayIp) return [];
      const target = peer.overlayIp;
      return MTU_LADDER.map((bytes) => ({
        id: jobId(i, bytes),
        op: 'ping-sized' as const,
        args: [
          String(MTU_PINGS_PER_RUNG),
          String(pingIntervalSec),
          String(pingTimeoutSec),
          String(bytes - IP_ICMP_HEADERS),
          target,
        ],
      }));
    });
  },
  parse(
    ctx: AgentProbeContext,
    outputs: ReadonlyMap<string, JobOutput>,
    failure: string | null,
  ): PathResult[] {
    return ctx.peers.flatMap((peer, i) => {
      if (!peer.overlayIp) return [];
      const target = peer.overlayIp;
      const ladder: MtuRung[] = [];
      for (const bytes of MTU_LADDER) {
        const job = outputs.get(jobId(i, bytes));
        const parsed = job ? parsePingOutput(job.output, MTU_PINGS_PER_RUNG) : null;
        if (!parsed)
          return [
            unknownPath(
              ctx.self,
              peer.name,
              'overlay-mtu',
              target,
              failure ?? 'the probe batch did not finish the sized pings',
            ),
          ];
        if (!parsed.ok && !parsed.unreachable)
          return [unknownPath(ctx.self, peer.name, 'overlay-mtu', target, `sized ping: ${parsed.reason}`)];
        ladder.push(
          parsed.ok
            ? { bytes, sent: parsed.sent, received: parsed.received }
            : { bytes, sent: MTU_PINGS_PER_RUNG, received: 0 },
        );
      }
      const sent = ladder.reduce((n, r) => n + r.sent, 0);
      const received = ladder.reduce((n, r) => n + r.received, 0);
      const passing = ladder.filter((r) => r.received > 0).map((r) => r.bytes);
      const pmtu = passing.length > 0 ? Math.max(...passing) : null;
      const state: State = received === 0 ? 'down' : received === sent ? 'up' : 'degraded';
      return [
        {
          from: ctx.self,
          to: peer.name,
          probe: 'overlay-mtu' as const,
          target,
          state,
          sent,
          received,
          // Stryker disable next-line ConditionalExpression: equivalent, every rung counts its pings as sent
          lossRatio: sent === 0 ? 0 : Math.round((1 - received / sent) * 10_000) / 10_000,
          rttMs: null,
          mtu: sharedMtuDetail(pmtu, MTU_LADDER[0], ladder),
        },
      ];
    });
  },
};
