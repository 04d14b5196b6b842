import type { Cause } from '../domain/cause.js';
import type { HostName } from '../domain/host-name.js';
import type {
  Direction,
  HostFindingCode,
  HostResult,
  RegistrationAddresses,
  State,
  Verdict,
} from '../domain/sweep-report.js';
import { adviceFor } from './advice.js';
import type { PairEvidence } from './pair-evidence.js';
import { type DirectionFacts, directionFacts, type PingFact } from './path-facts.js';
import { lossDirection, pairSas } from './sa-pairing.js';

/**
 * From all evidence about an ordered pair (both directions) to one verdict. Pure. The first rule
 * that matches wins; the order is documented in docs/diagnosis.md:
 *  1. host findings: docker-unreachable, agent-missing, agent-down, (other agent findings → unknown),
 *     agent-ip-misconfigured
 *  2. the IKE daemon of one side is dead (both IKE ports refused, or VICI does not answer) → agent-down
 *  3. underlay ICMP and both IKE ports silent in a direction, overlay not working → underlay-unreachable
 *  4. overlay partly lossy, or underlay partly lossy in either direction → packet-loss
 *  5. IKE ports silent or rejected → udp-500-4500-blocked / udp-4500-blocked / udp-500-blocked
 *     (UDP 500 under a working overlay is a latent failure: degraded, latent)
 *  6. overlay dead or unmeasured: one side has neither SA nor connection → tunnel-missing; IKE answers on
 *     both ports and both sides hold the same INSTALLED SA but the counters show ESP lost → esp-blocked;
 *     both INSTALLED with SPIs unknown to each other, or one INSTALLED and the other holding no SA at
 *     all → tunnel-stale (names the holder of the remnant); an SA stuck negotiating →
 *     ike-negotiation-failed; else tunnel-down
 *  7. overlay dead and nothing else measured → overlay-unreachable
 *  8. overlay up: every sized-ping ladder cut at the same size → mtu-blackhole; else ok;
 *     nothing usable → unknown
 * Direction (forward = from→to) comes from the SA packet counters of both ends of the same SA.
 * SA state is never trusted over the data plane: it lags faults by minutes.
 */
export function diagnose(evidence: PairEvidence): Verdict {
  const { from, to } = evidence;
  const fwd = directionFacts(evidence.forward);
  const rev = directionFacts(evidence.reverse);
  const phrases = [...fwd.phrases, ...rev.phrases];
  const overlay = combinePing(fwd.overlay, rev.overlay);
  const layouts = {
    ...(from.agent?.layout ? { [from.name]: from.agent.layout } : {}),
    ...(to.agent?.layout ? { [to.name]: to.agent.layout } : {}),
  };
  const verdict = (
    cause: Cause,
    state: State,
    lead: string[] = [],
    extra: {
      host?: HostName;
      latent?: boolean;
      registration?: RegistrationAddresses;
      direction?: Direction | null;
      pmtu?: number;
    } = {},
  ): Verdict => ({
    from: from.name,
    to: to.name,
    state,
    cause,
    advice: adviceFor(cause, {
      from: from.name,
      to: to.name,
      ...(extra.host ? { host: extra.host } : {}),
      ...(extra.registration ? { registration: extra.registration } : {}),
      ...(extra.direction ? { direction: extra.direction } : {}),
      // Stryker disable next-line ConditionalExpression: equivalent, the advice reads an absent pmtu and an undefined one alike
      ...(extra.pmtu !== undefined ? { pmtu: extra.pmtu } : {}),
      layouts,
    }),
    evidence: [...lead, ...phrases],
    ...(extra.latent ? { latent: true } : {}),
    ...(extra.direction ? { direction: extra.direction } : {}),
    ...(extra.pmtu !== undefined ? { pmtu: extra.pmtu } : {}),
  });
  // Both ends of the tunnel compared: which way ESP is lost, when the SA counters say.
  const pairing = pairSas(fwd.saDetail, rev.saDetail);
  const espLoss = lossDirection(pairing);
  const lossLead =
    espLoss &&
    // Stryker disable next-line ConditionalExpression: equivalent, espLoss is set only for a matched pairing (the check narrows its type)
    pairing.kind === 'matched'
      ? [
          `SA counters: ${pairing.gapForward ?? 0} packets sent ${from.name}→${to.name} never arrived, ${pairing.gapReverse ?? 0} ${to.name}→${from.name}${pairing.skew ? ` (the two ends' reads ${pairing.skew} packets apart)` : ''}`,
        ]
      : [];

  // 1. What discovery found on the hosts outranks anything a probe saw.
  for (const [code, cause, state] of HOST_FINDING_RULES) {
    for (const host of [from, to]) {
      const finding = host.findings?.find((f) => f.code === code);
      if (!finding) continue;
      const lead = [`${host.name}: ${finding.message}`];
      if (cause === 'agent-ip-misconfigured') {
        return verdict(
          cause,
          overlay === 'up' ? 'degraded' : overlay === 'unknown' ? 'unknown' : 'down',
          lead,
          { host: host.name, ...(finding.addresses ? { registration: finding.addresses } : {}) },
        );
      }
      return verdict(cause, state, lead, { host: host.name });
    }
  }
  const unmeasured = [from, to].find((h) => h.state !== 'up' || h.agent === null);
  // Stryker disable next-line ObjectLiteral: equivalent, the advice for unknown does not name a host
  if (unmeasured) return verdict('unknown', 'unknown', [hostSummary(unmeasured)], { host: unmeasured.name });

  // 2. A dead IKE daemon: charon in `to` refuses both ports for `from`'s probes (or vice versa), or
  //    swanctl in an agent cannot reach its own charon.
  const deadDaemonHost =
    (fwd.sa === 'daemon-down' && from.name) ||
    (rev.sa === 'daemon-down' && to.name) ||
    (bothRefused(fwd) && to.name) ||
    (bothRefused(rev) && from.name) ||
    null;
  if (deadDaemonHost) {
    const lead = [`the IKE daemon in ${deadDaemonHost}'s IPsec agent does not answer`];
    return overlay === 'up'
      ? verdict('agent-down', 'degraded', lead, { host: deadDaemonHost, latent: true })
      : verdict('agent-down', 'down', lead, { host: deadDaemonHost });
  }

  // 3. Nothing gets through on the host network in some direction.
  const overlayWorks = overlay === 'up' || overlay === 'lossy';
  const silent = (d: DirectionFacts) =>
    d.underlay === 'dead' && d.ike500 !== 'answered' && d.ike4500 !== 'answered';
  if (!overlayWorks && (silent(fwd) || silent(rev))) return verdict('underlay-unreachable', 'down');

  // 4. Some packets arrive: loss, not a block. A lone IKE timeout next to it is the same loss.
  if (overlay === 'lossy') return verdict('packet-loss', 'degraded');
  //    The underlay itself drops some packets: then a burst of lost overlay pings or a lost IKE
  //    probe is that loss too, not proof of a blocked port (a block leaves the underlay clean).
  if (fwd.underlay === 'lossy' || rev.underlay === 'lossy') {
    return verdict('packet-loss', 'degraded', [
      'the underlay between the hosts loses packets, so lost probes do not prove a block',
    ]);
  }

  // 5. Blocked IKE ports. ESP rides on UDP 4500, so a working overlay proves 4500 open.
  const blocked = (f: keyof Pick<DirectionFacts, 'ike500' | 'ike4500'>) =>
    [fwd, rev].some((d) => d[f] === 'timeout' || d[f] === 'refused');
  const blocked500 = blocked('ike500');
  const blocked4500 = blocked('ike4500') && !overlayWorks;
  if (blocked500 && blocked4500)
    return verdict('udp-500-4500-blocked', 'down', lossLead, { direction: espLoss });
  if (blocked4500) return verdict('udp-4500-blocked', 'down', lossLead, { direction: espLoss });
  if (blocked500) {
    if (overlay === 'up') {
      return verdict(
        'udp-500-blocked',
        'degraded',
        [
          'traffic still flows over the existing SA, but a new IKE negotiation (agent restart, DPD timeout) will fail',
        ],
        { latent: true },
      );
    }
    return verdict('udp-500-blocked', overlay === 'unknown' ? 'degraded' : 'down');
  }
  // Stryker disable next-line ConditionalExpression: equivalent, with 4500 silent any other overlay state returned above
  if (overlay === 'up' && blocked('ike4500')) {
    return verdict('packet-loss', 'degraded', ['an IKE probe on UDP 4500 was lost while ESP on 4500 works']);
  }

  // 6./7. The data plane is dead (or unmeasured) while the IKE ports answer.
  const ikeAnswered = [fwd, rev].some((d) => d.ike500 === 'answered' || d.ike4500 === 'answered');
  const negotiating = fwd.sa === 'negotiating' || rev.sa === 'negotiating';
  const noSa = [fwd, rev].some((d) => d.sa === 'none' || d.sa === 'partial');
  if (overlay === 'dead' || overlay === 'unknown') {
    // A partial mesh: one side neither holds an SA nor has a connection configured for the other.
    const missing = (
      [
        [fwd, from.name, to.name],
        [rev, to.name, from.name],
      ] as const
    ).find(([d]) => d.sa !== 'established' && d.saDetail?.configured === false);
    if (missing) {
      const [, side, other] = missing;
      return verdict(
        'tunnel-missing',
        'down',
        [`${side} has no IPsec SA and no connection configured for ${other}`],
        {
          host: side,
        },
      );
    }
    const bothPortsAnswer =
      [fwd, rev].some((d) => d.ike500 === 'answered') && [fwd, rev].some((d) => d.ike4500 === 'answered');
    // espLoss comes only from a matched pairing: both sides hold the same INSTALLED child SA.
    if (overlay === 'dead' && bothPortsAnswer && espLoss) {
      return verdict(
        'esp-blocked',
        'down',
        [
          'both agents hold the same INSTALLED child SA and IKE answers on UDP 500 and 4500, yet ESP does not arrive',
          ...lossLead,
        ],
        { direction: espLoss },
      );
    }
    if (overlay === 'dead' && ikeAnswered && pairing.kind === 'orphaned') {
      const [stale, other] = pairing.holder === 'forward' ? [from.name, to.name] : [to.name, from.name];
      return verdict(
        'tunnel-stale',
        'down',
        [`${stale} holds an INSTALLED child SA for ${other}, which holds no SA for ${stale} at all`],
        { host: stale },
      );
    }
    if (overlay === 'dead' && ikeAnswered && pairing.kind === 'mismatched') {
      // The side with the older IKE SA kept what the other side forgot (a one-sided restart).
      // Stryker disable next-line OptionalChaining: equivalent, a mismatched pairing has both SA details
      const fAge = fwd.saDetail?.establishedSec ?? 0;
      // Stryker disable next-line OptionalChaining: equivalent, a mismatched pairing has both SA details
      const rAge = rev.saDetail?.establishedSec ?? 0;
      const stale = fAge >= rAge ? from.name : to.name;
      return verdict(
        'tunnel-stale',
        'down',
        [
          `both agents show an INSTALLED child SA but neither knows the other's SPIs; ${stale}'s SA is the older`,
        ],
        { host: stale },
      );
    }
    if (negotiating && ikeAnswered) return verdict('ike-negotiation-failed', 'down');
    if (overlay === 'dead' && (ikeAnswered || noSa || negotiating)) return verdict('tunnel-down', 'down');
    if (overlay === 'dead') return verdict('overlay-unreachable', 'down');
    if (noSa && ikeAnswered) return verdict('tunnel-down', 'down');
    return verdict('unknown', 'unknown', ['the overlay ping could not be measured']);
  }

  // 8. The overlay works end to end for small packets; a size threshold on the path is its own failure.
  //    Every measured ladder must show the same clean cut: random loss does not respect sizes.
  const ladders = [fwd.mtu, rev.mtu].filter((m): m is NonNullable<typeof m> => m !== null);
  const pmtu = ladders[0]?.pmtu ?? null;
  // (The overlay is up here: every other state returned above.)
  if (pmtu !== null && ladders.every((m) => m.cut && m.pmtu === pmtu)) {
    return verdict(
      'mtu-blackhole',
      'down',
      [`overlay packets up to ${pmtu} bytes pass, larger ones are lost`, ...lossLead],
      {
        pmtu,
        direction: espLoss,
      },
    );
  }
  return verdict('ok', 'up');
}

/** Which host findings decide a verdict, most fundamental first, and the state they imply. */
const HOST_FINDING_RULES: ReadonlyArray<readonly [HostFindingCode, Cause, State]> = [
  ['docker-unreachable', 'docker-unreachable', 'unknown'],
  ['agent-missing', 'agent-missing', 'down'],
  ['agent-down', 'agent-down', 'down'],
  ['agent-multiple', 'unknown', 'unknown'],
  ['agent-ip-invalid', 'unknown', 'unknown'],
  // Stryker disable next-line StringLiteral: equivalent, this cause's state follows the overlay (see the rule above)
  ['agent-ip-misconfigured', 'agent-ip-misconfigured', 'down'],
];

function combinePing(a: PingFact, b: PingFact): PingFact {
  for (const fact of ['dead', 'lossy', 'up'] as const) if (a === fact || b === fact) return fact;
  return 'unknown';
}

function bothRefused(d: DirectionFacts): boolean {
  return d.ike500 === 'refused' && d.ike4500 === 'refused';
}

function hostSummary(host: HostResult): string {
  return `${host.name}: ${host.error ?? (host.agent ? `state ${host.state}` : 'no agent to probe from')}`;
}
