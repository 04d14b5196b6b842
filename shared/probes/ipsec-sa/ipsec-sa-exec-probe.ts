import { type Ipv4, parseIpv4 } from '../../domain/ipv4.js';
import type { PathResult, SaDetail, State } from '../../domain/sweep-report.js';
import type { AgentProbeContext, ExecProbe, JobOutput, PeerTarget } from '../agent-probe.js';
import { isCommandMissing } from '../exec-batch.js';
import { sharedAddressList } from '../shared-details.js';
import { unknownPath } from '../unknown-path.js';
import { CidrIndex } from './cidr-index.js';
import { type ConnEntry, parseListConns } from './parse-list-conns.js';
import { type ChildSaEntry, type IkeSaEntry, parseListSas } from './parse-list-sas.js';

const JOB_ID = 'ipsec-sas';
const CONNS_JOB_ID = 'ipsec-conns';
const AFTER_JOB_ID = 'ipsec-sas-after';

/** Prefix of a path's `error` when charon itself does not answer inside the agent (`sa.daemon` says so as data). */
export const IKE_DAEMON_UNREACHABLE = 'the IKE daemon does not answer in the agent';

/**
 * Tunnel state as the source agent's strongSwan sees it: one `swanctl --list-sas --raw` job in the
 * exec batch, one `ipsec-sa` path per peer. No packets are sent, so sent/received stay 0.
 */
export const ipsecSaExecProbe: ExecProbe = {
  kinds: ['ipsec-sa'],
  jobs: (ctx) => [
    { id: JOB_ID, op: 'ipsec-sas', args: [] },
    { id: CONNS_JOB_ID, op: 'ipsec-conns', args: [] },
    // Again as the last ping of the burst leaves: inside the burst, so the batch is no longer.
    { id: AFTER_JOB_ID, op: 'ipsec-sas-after', args: [secondReadDelay(ctx)] },
  ],
  parse(
    ctx: AgentProbeContext,
    outputs: ReadonlyMap<string, JobOutput>,
    failure: string | null,
  ): PathResult[] {
    return ipsecSaPaths(
      ctx,
      outputs.get(JOB_ID),
      failure,
      outputs.get(CONNS_JOB_ID),
      outputs.get(AFTER_JOB_ID),
    );
  },
};

// The parser's reason may quote host text: keep what reaches the report short.
const MAX_REASON_CHARS = 200;

function secondReadDelay(ctx: AgentProbeContext): string {
  const { pingCount, pingIntervalSec } = ctx.timing;
  return Math.min(9.9, Math.max(0.2, (pingCount - 1) * pingIntervalSec)).toFixed(2);
}

/** Children by SPI pair from the second read, to compute how the counters moved during the probes. */
function childrenBySpi(job: JobOutput | undefined): Map<string, ChildSaEntry> {
  const bySpi = new Map<string, ChildSaEntry>();
  if (job?.exitCode !== 0) return bySpi;
  const parsed = parseListSas(job.output);
  if (!parsed.ok) return bySpi;
  for (const sa of parsed.sas) {
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, a key with "undefined" in it is never looked up (the first read's child has both SPIs)
    for (const c of sa.children) if (c.spiIn && c.spiOut) bySpi.set(`${c.spiIn}/${c.spiOut}`, c);
  }
  return bySpi;
}

function addDeltas(detail: SaDetail, before: ChildSaEntry, after: ChildSaEntry | undefined): void {
  if (!after) return;
  const d = (a: number | undefined, b: number | undefined) =>
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, a comparison with undefined is false anyway; the checks narrow the types
    a !== undefined && b !== undefined && b >= a ? b - a : undefined;
  const inDelta = d(before.packetsIn, after.packetsIn);
  const outDelta = d(before.packetsOut, after.packetsOut);
  if (inDelta !== undefined) detail.packetsInDelta = inDelta;
  if (outDelta !== undefined) detail.packetsOutDelta = outDelta;
}

/** The configured connections, or null when they could not be read (then nothing is said about them). */
function connectionsOf(job: JobOutput | undefined): ConnEntry[] | null {
  if (job?.exitCode !== 0) return null;
  const parsed = parseListConns(job.output);
  return parsed.ok ? parsed.conns : null;
}

/**
 * The configured connections indexed for peer lookups, so matching every peer costs one pass over
 * the connections (not one per peer: N² per agent, N³ per sweep). A peer's connection is the first
 * whose remote traffic selector covers its overlay IP, else the first that dials its address.
 */
class ConnsByPeer {
  readonly #byTs = new CidrIndex<ConnEntry>();
  readonly #byRemoteAddr = new Map<string, ConnEntry>();
  constructor(conns: readonly ConnEntry[]) {
    for (const conn of conns) {
      for (const ts of conn.remoteTs) this.#byTs.add(ts, conn);
      for (const addr of conn.remoteAddrs)
        if (!this.#byRemoteAddr.has(addr)) this.#byRemoteAddr.set(addr, conn);
    }
  }

  for({ overlayIp, underlayIp }: PeerTarget): ConnEntry | null {
    return (
      (overlayIp ? this.#byTs.find(overlayIp) : undefined) ??
      (underlayIp ? this.#byRemoteAddr.get(underlayIp) : undefined) ??
      null
    );
  }
}

/** `failure`: why the batch lost the job, when it did (see ExecProbe.parse). */
export function ipsecSaPaths(
  ctx: AgentProbeContext,
  job: JobOutput | undefined,
  failure: string | null,
  connsJob?: JobOutput,
  afterJob?: JobOutput,
): PathResult[] {
  const connsList = connectionsOf(connsJob);
  const conns = connsList ? new ConnsByPeer(connsList) : null;
  const later = childrenBySpi(afterJob);
  const addConnFacts = (detail: SaDetail, peer: PeerTarget): void => {
    if (!conns) return;
    const conn = conns.for(peer);
    detail.configured = conn !== null;
    if (conn)
      detail.dialed = sharedAddressList(conn.remoteAddrs.map(parseIpv4).filter((a): a is Ipv4 => a !== null));
  };
  const unknownAll = (reason: string) =>
    ctx.peers.map((peer) => unknownPath(ctx.self, peer.name, 'ipsec-sa', peer.underlayIp, reason));
  if (!job) return unknownAll(failure ?? 'the probe batch did not finish swanctl --list-sas');
  if (isCommandMissing(job.exitCode)) return unknownAll('swanctl is not installed in the agent container');
  const parsed = parseListSas(job.output);
  if (!parsed.ok && parsed.daemonUnreachable) {
    return ctx.peers.map((peer) => ({
      ...result(ctx, peer, 'down', { ikeState: null, childState: null, daemon: 'unreachable' }),
      // Stryker disable next-line MethodExpression: equivalent today, every reason the parser gives is shorter; the cut guards later ones
      error: `${IKE_DAEMON_UNREACHABLE}: ${parsed.reason.slice(0, MAX_REASON_CHARS)}`,
    }));
  }
  if (!parsed.ok)
    // Stryker disable next-line MethodExpression: equivalent today, every reason the parser gives is shorter; the cut guards later ones
    return unknownAll(`could not read swanctl --list-sas: ${parsed.reason.slice(0, MAX_REASON_CHARS)}`);
  const sas = new SasByRemote(parsed.sas);
  return ctx.peers.map((peer) => {
    const sa = sas.bestFor(peer.underlayIp, peer.overlayIp);
    if (!sa) {
      const none: SaDetail = { ikeState: null, childState: null };
      addConnFacts(none, peer);
      return result(ctx, peer, 'down', none);
    }
    const remoteHost = sa.remoteHost ? parseIpv4(sa.remoteHost) : null;
    const child = bestChild(sa);
    const state: State =
      sa.state !== 'ESTABLISHED' ? 'down' : child?.state === 'INSTALLED' ? 'up' : 'degraded';
    // Built in one order, present fields only, so 40,000 details at 200 hosts share a few V8 maps
    // (a literal of conditional spreads gave each its own, at ~500 bytes a detail).
    const detail: SaDetail = { ikeState: sa.state, childState: child?.state ?? null };
    if (sa.establishedSec !== undefined) detail.establishedSec = sa.establishedSec;
    if (sa.rekeySec !== undefined) detail.rekeySec = sa.rekeySec;
    if (child?.bytesIn !== undefined) detail.bytesIn = child.bytesIn;
    if (child?.bytesOut !== undefined) detail.bytesOut = child.bytesOut;
    if (child?.packetsIn !== undefined) detail.packetsIn = child.packetsIn;
    if (child?.packetsOut !== undefined) detail.packetsOut = child.packetsOut;
    if (child?.spiIn !== undefined) detail.spiIn = child.spiIn;
    if (child?.spiOut !== undefined) detail.spiOut = child.spiOut;
    if (child?.spiIn && child.spiOut) addDeltas(detail, child, later.get(`${child.spiIn}/${child.spiOut}`));
    // The peer's own address string when it is the same: one string less per SA.
    // Stryker disable next-line ConditionalExpression: equivalent, the two strings are equal; which copy is kept is memory, not meaning
    if (remoteHost) detail.remoteHost = remoteHost === peer.underlayIp ? peer.underlayIp : remoteHost;
    addConnFacts(detail, peer);
    return result(ctx, peer, state, detail);
  });
}

function result(ctx: AgentProbeContext, peer: PeerTarget, state: State, sa: SaDetail): PathResult {
  return {
    from: ctx.self,
    to: peer.name,
    probe: 'ipsec-sa',
    ...(peer.underlayIp ? { target: peer.underlayIp } : {}),
    state,
    sent: 0,
    received: 0,
    lossRatio: 0,
    rttMs: null,
    sa,
  };
}

/**
 * The SA that speaks for the tunnel to a peer: matched by remote address (the peer's advertised or
 * underlay IP, as charon sees it), else by a CHILD SA whose remote traffic selector covers the
 * peer's overlay IP. Among several (rekeying duplicates, a stranger's half-open SA from the same
 * NAT address) the most established one wins. Indexed by remote address, so matching every peer
 * costs one pass over the SAs instead of one per peer (N² per agent, N³ per sweep); the
 * traffic-selector fallback scans, but only for a peer no SA names by address.
 */
class SasByRemote {
  readonly #byRemote = new Map<string, IkeSaEntry[]>();
  constructor(readonly sas: readonly IkeSaEntry[]) {
    for (const sa of sas) {
      // Stryker disable next-line ConditionalExpression: equivalent, a null key is never looked up (peers without an address skip the lookup)
      if (sa.remoteHost === null) continue;
      const list = this.#byRemote.get(sa.remoteHost);
      if (list) list.push(sa);
      else this.#byRemote.set(sa.remoteHost, [sa]);
    }
  }

  bestFor(underlayIp: Ipv4 | null, overlayIp: Ipv4 | null): IkeSaEntry | null {
    let candidates: readonly IkeSaEntry[] = (underlayIp && this.#byRemote.get(underlayIp)) || [];
    if (candidates.length === 0 && overlayIp) {
      candidates = this.sas.filter((sa) =>
        sa.children.some((c) => c.remoteTs.some((ts) => cidrContains(ts, overlayIp))),
      );
    }
    let best: IkeSaEntry | null = null;
    for (const sa of candidates) if (best === null || rank(sa) > rank(best)) best = sa;
    return best;
  }
}

function rank(sa: IkeSaEntry): number {
  const established = sa.state === 'ESTABLISHED' ? 4 : 0;
  const installed = sa.children.some((c) => c.state === 'INSTALLED') ? 2 : 0;
  const named = sa.name === '(unnamed)' ? 0 : 1;
  return established + installed + named;
}

function bestChild(sa: IkeSaEntry) {
  return sa.children.find((c) => c.state === 'INSTALLED') ?? sa.children[0];
}

function cidrContains(cidr: string, ip: string): boolean {
  const [net, prefixText] = cidr.split('/');
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (!net || !/^\d+\.\d+\.\d+\.\d+$/.test(net) || !(prefix >= 0 && prefix <= 32)) return false;
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return (toInt(net) & mask) >>> 0 === (toInt(ip) & mask) >>> 0;
}
