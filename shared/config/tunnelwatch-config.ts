import type { EnvironmentName } from '../domain/environment-name.js';
import type { HostName } from '../domain/host-name.js';
import type { Ipv4 } from '../domain/ipv4.js';
import type { NcrontabSchedule } from '../schedule/ncrontab.js';
import type { Secret } from './secret.js';

/** How to reach one host's Docker API, with TLS / ssh material already read from files. */
export type DockerConnection =
  | { scheme: 'unix'; socketPath: string }
  | { scheme: 'tcp'; host: string; port: number; tls: TlsMaterial | null; connectTimeoutMs: number }
  | {
      scheme: 'ssh';
      host: string;
      port: number;
      /** How long the TCP connection may take to come up (config `sweep.connectTimeoutMs`). */
      connectTimeoutMs: number;
      username: string | null;
      privateKey: Secret | null;
      passphrase: Secret | null;
      hostKeys: SshHostKeys;
    };

/** Which ssh host keys are accepted for a host; any other key is refused. */
export interface SshHostKeys {
  /** known_hosts text (OpenSSH format), or null when none was read. */
  knownHosts: string | null;
  /** Pinned `SHA256:…` fingerprints. */
  sha256: string[];
}

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: Secret;
}

export interface HostConfig {
  name: HostName;
  underlayIp: Ipv4 | null;
  docker: DockerConnection;
}

/** Which Rancher generation's layout discovery looks for (config `agent.preset`). */
export const AGENT_PRESETS = ['auto', 'rancher-1.1', 'rancher-1.6'] as const;
export type AgentPreset = (typeof AGENT_PRESETS)[number];

export interface AgentSelector {
  /** `auto` recognises either Rancher layout on each host; an explicit `selectorLabel` overrides it. */
  preset: AgentPreset;
  /** Docker label filter, `key=value` or `key`, when the operator names the agent explicitly. */
  selectorLabel: string | null;
  overlayIpLabel: string;
  /** The variable holding the registered address, read from the host's `rancher-agent` container. */
  advertisedIpEnv: string;
}

/** How each agent's probes pace themselves (config `probes`). */
export interface ProbeTiming {
  pingCount: number;
  pingIntervalSec: number;
  /** Per-reply wait, seconds. */
  pingTimeoutSec: number;
  /** Per-probe wait for an IKE reply, milliseconds. */
  ikeTimeoutMs: number;
}

/** Discovery gets at most this share of `sweep.deadlineMs`, so probing always has time left. */
export const DISCOVERY_SHARE = 1 / 3;

export interface SweepLimits {
  deadlineMs: number;
  concurrency: number;
  /** Longest wait for a tcp/TLS or ssh Docker endpoint's TCP connection; a black hole fails at this. */
  connectTimeoutMs: number;
  /** Peer sampling for large meshes (config `sweep.sampling`); absent: every agent probes every peer. */
  sampling?: PeerSampling;
  /** With the sweep queue: shards of at most this many source hosts (config `sweep.shardSources`). */
  shardSources?: number;
}

/**
 * Above `aboveHosts` hosts, each agent probes `peersPerSweep` peers per sweep, rotating every
 * `rotationMs` (shared/sweep/peer-sampling.ts, docs/scale.md).
 */
export interface PeerSampling {
  aboveHosts: number;
  peersPerSweep: number;
  /** One rotation step per this many ms of sweep start time: the sweep interval. */
  rotationMs: number;
}

/**
 * One environment's validated config: everything one sweep needs. Safe to log: key material is
 * held in `Secret`s.
 */
export interface TunnelwatchConfig {
  /** Scopes pairs, alerts, reports, telemetry and pages; "default" for a config with top-level hosts. */
  environment: EnvironmentName;
  /** When this environment is swept; null: on every tick of the sweep timer (or `serve --interval`). */
  schedule: NcrontabSchedule | null;
  hosts: HostConfig[];
  agent: AgentSelector;
  probes: ProbeTiming;
  sweep: SweepLimits;
}

/** The whole validated config file: one or more environments, names unique. */
export interface MonitorConfig {
  environments: TunnelwatchConfig[];
}
