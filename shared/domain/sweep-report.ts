import type { Cause } from './cause.js';
import type { EnvironmentName } from './environment-name.js';
import type { HostName } from './host-name.js';
import type { Ipv4, OverlayIp } from './ipv4.js';
import type { ProbeKind } from './probe-kind.js';

/** The JSON contract printed by `tunnelwatch sweep --json` (see README). Extra fields are allowed. */
export const SCHEMA_VERSION = 1;

/** Ordered from best to worst; the worst one wins when states are combined. */
export const STATES = ['up', 'degraded', 'down', 'unknown'] as const;
export type State = (typeof STATES)[number];

export interface RttMs {
  min: number;
  avg: number;
  max: number;
}

export const HOST_STATES = ['up', 'down', 'unknown'] as const;
export type HostState = (typeof HOST_STATES)[number];

/** What went wrong on a host before any path could be probed. */
export const HOST_FINDING_CODES = [
  'docker-unreachable',
  'agent-missing',
  'agent-multiple',
  'agent-down',
  'agent-ip-invalid',
  'agent-ip-misconfigured',
] as const;
export type HostFindingCode = (typeof HOST_FINDING_CODES)[number];

export interface HostFinding {
  code: HostFindingCode;
  message: string;
  /** agent-ip-misconfigured: what Rancher registered, what the host's address really is, what peers dial. */
  addresses?: RegistrationAddresses;
}

export interface RegistrationAddresses {
  /** CATTLE_AGENT_IP as registered; null when Rancher auto-detected the address. */
  registered: Ipv4 | null;
  /** The host's own underlay address (config underlayIp, Docker endpoint, or where peers' SAs see it). */
  real: Ipv4;
  /** What the peers' strongSwan dials for this host (remote_addrs), when they were read. */
  dialedByPeers: Ipv4[];
}

/** Which agent layout discovery recognised on a host. */
export type AgentLayout = 'rancher-1.1' | 'rancher-1.6' | 'custom';

/** Where the registered agent address was read. */
export type RegistrationSource = 'rancher-agent' | 'agent-env' | 'auto-detected';

export interface AgentInfo {
  containerId: string;
  overlayIp: OverlayIp;
  /** Where the overlay IP came from: the label, or read inside the container. */
  overlayIpSource?: 'label' | 'container';
  /** The address the host is registered with (CATTLE_AGENT_IP), when set; peers dial it. */
  advertisedIp?: Ipv4;
  /** Which Rancher layout the agent was found in. */
  layout?: AgentLayout;
  /** Where `advertisedIp` came from; `auto-detected` when no CATTLE_AGENT_IP is set anywhere. */
  registration?: RegistrationSource;
}

export interface HostResult {
  name: HostName;
  state: HostState;
  agent: AgentInfo | null;
  underlayIp?: Ipv4;
  findings?: HostFinding[];
  /** Human-readable summary of the findings, when any. Never contains secrets. */
  error?: string;
}

export const IKE_OUTCOMES = ['answered', 'timeout', 'refused', 'error'] as const;

/** Outcome of one IKE probe (ike-udp500 / ike-udp4500). */
export interface IkeDetail {
  outcome: (typeof IKE_OUTCOMES)[number];
  /** e.g. INVALID_KE_PAYLOAD, COOKIE, NO_PROPOSAL_CHOSEN, IKE_SA_INIT */
  response?: string;
}

/** Tunnel state read from strongSwan inside the source agent (ipsec-sa). */
export interface SaDetail {
  ikeState: string | null; // ESTABLISHED, CONNECTING, ... or null when no IKE SA names the peer
  childState: string | null; // INSTALLED, ... or null
  /** Set when charon itself does not answer inside the agent (no SA could be read at all). */
  daemon?: 'unreachable';
  establishedSec?: number;
  rekeySec?: number;
  bytesIn?: number;
  bytesOut?: number;
  packetsIn?: number;
  packetsOut?: number;
  /** SPIs (hex) of the installed child SA; the peer's spiOut equals this spiIn when both hold the same SA. */
  spiIn?: string;
  spiOut?: string;
  /** Packets counted in / out on the same child SA while this sweep's probes ran (a second read). */
  packetsInDelta?: number;
  packetsOutDelta?: number;
  /** Where the SA to the peer actually goes (charon's remote-host). */
  remoteHost?: Ipv4;
  /** remote_addrs of the configured connection to the peer: the address this agent dials for it. */
  dialed?: Ipv4[];
  /** Whether a connection to the peer is configured at all; absent when the connections were not read. */
  configured?: boolean;
}

/** One rung of the MTU ladder: overlay packets of `bytes` (IP total length) and how many came back. */
export interface MtuRung {
  bytes: number;
  sent: number;
  received: number;
}

/** What the sized overlay probes found on one path (overlay-mtu). */
export interface MtuDetail {
  /** The largest overlay packet (bytes, IP total length) that passed; null when none did. */
  pmtu: number | null;
  /** The ladder's largest size: a pmtu equal to it means "at least this much". */
  ceiling: number;
  ladder: MtuRung[];
}

export interface PathResult {
  from: HostName;
  to: HostName;
  probe: ProbeKind;
  /** The address probed (peer overlay IP for overlay-icmp, underlay IP otherwise). */
  target?: Ipv4;
  state: State;
  sent: number;
  received: number;
  /** 0..1 */
  lossRatio: number;
  rttMs: RttMs | null;
  /** Per-packet RTTs where the ping output gives them. */
  samplesMs?: number[];
  ike?: IkeDetail;
  sa?: SaDetail;
  mtu?: MtuDetail;
  /** Why the probe could not measure, when state is unknown. */
  error?: string;
}

export interface Verdict {
  from: HostName;
  to: HostName;
  state: State;
  cause: Cause;
  /** One sentence an operator can act on. */
  advice: string;
  /** The facts that led to the cause, one short phrase each. */
  evidence: string[];
  /** True when traffic flows now but will stop (e.g. UDP 500 blocked under a live SA). */
  latent?: boolean;
  /** Which way traffic is dropped, when the evidence tells: forward = from→to, reverse = to→from. */
  direction?: Direction;
  /** mtu-blackhole: the largest overlay packet (bytes) that passes both ways. */
  pmtu?: number;
  /** Only in sampled sweeps (report `sampling`): whether this sweep probed the pair, and when it last did. */
  sample?: VerdictSample;
}

/**
 * Where a verdict of a sampled sweep comes from: `probed` (this sweep probed the pair, either way,
 * or discovery found one of its hosts down or without agent: diagnosed now),
 * `carried` (not probed this sweep: the pair's last sampled verdict, repeated with its age) or
 * `not-sampled-yet` (no earlier sample known: state and cause `unknown`).
 */
export const SAMPLE_SOURCES = ['probed', 'carried', 'not-sampled-yet'] as const;
export type SampleSource = (typeof SAMPLE_SOURCES)[number];

export interface VerdictSample {
  source: SampleSource;
  /** startedAt of the sweep whose probes gave this verdict; null when not sampled yet. */
  sampledAt: string | null;
  /** Rotations (sweeps) since then: 0 when probed by this sweep; null when not sampled yet. */
  ageSweeps: number | null;
}

/** Present when the sweep probed a rotating sample of peers (config `sweep.sampling`, docs/scale.md). */
export interface SweepSampling {
  /** This sweep's rotation index (its start time over `rotationMs`). */
  rotation: number;
  peersPerSweep: number;
  /** ⌈(N−1)/k⌉: every ordered pair is probed at least once in this many consecutive sweeps. */
  cycleSweeps: number;
}

/** Did this sweep's probes give the verdict (always, in a sweep that probes every peer)? */
export function probedThisSweep(verdict: Verdict): boolean {
  return verdict.sample === undefined || verdict.sample.source === 'probed';
}

export type Direction = 'forward' | 'reverse' | 'both';

export interface SweepReport {
  schemaVersion: typeof SCHEMA_VERSION;
  /** Which environment was swept; "default" for a config without `environments` (and older reports). */
  environment: EnvironmentName;
  startedAt: string;
  durationMs: number;
  status: State;
  hosts: HostResult[];
  paths: PathResult[];
  verdicts: Verdict[];
  sampling?: SweepSampling;
}

export function worstState(states: Iterable<State>): State {
  let worst = 0;
  for (const s of states) worst = Math.max(worst, STATES.indexOf(s));
  return STATES[worst]!;
}
