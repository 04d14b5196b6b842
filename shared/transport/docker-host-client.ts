/**
 * The only view the rest of tunnelwatch has of a host's Docker API: promise-only, every call
 * bounded by a real deadline and an AbortSignal, every failure a typed TransportError.
 * The dockerode adapter (dockerode-host-client.ts) is the one implementation against a daemon;
 * unit tests hand-write fakes of this interface.
 */
export interface ContainerSummary {
  id: string;
  names: string[];
  image: string;
  /** Docker's coarse state: running, exited, created, paused, restarting, dead, … */
  state: string;
  labels: Record<string, string>;
  /**
   * Addresses Docker itself assigned (NetworkSettings.Networks[*].IPAddress), non-empty ones. From
   * the list, not the inspect: a restart keeps the id but may change them.
   */
  dockerIps: string[];
}

/** What an inspect adds to the list's summary; fixed for the life of a container id. */
export interface ContainerDetails {
  id: string;
  name: string;
  running: boolean;
  labels: Record<string, string>;
  /** KEY=VALUE entries from Config.Env. */
  env: string[];
}

export interface CallOptions {
  /** Hard upper bound for the whole call, milliseconds. */
  deadlineMs: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions extends CallOptions {
  /**
   * A line the command prints last when it ran to its end. When stdout ends with it, the exit code is
   * taken as 0 without asking the daemon (`GET /exec/{id}/json`): one request less per exec.
   */
  completeMarker?: string;
}

/** A long-lived helper container that lives in another container's namespaces (the IKE probe's carrier). */
export interface CarrierSpec {
  /** An image present on the host (see ensureImage); never pulled. */
  image: string;
  /** The carrier joins this container's network and PID namespaces, and dies with it. */
  ofContainer: string;
  argv: string[];
  /** Labels that find it again (and that `tunnelwatch cleanup` removes it by). */
  labels: Record<string, string>;
  deadlineMs: number;
  signal?: AbortSignal;
}

export interface DockerHostClient {
  /**
   * Every container on the host, running or not (`GET /containers/json?all=1`, no filter): one
   * request answers every question discovery has; callers pick in TypeScript (rancher-layout.ts).
   * The answer is bounded in bytes by the transport.
   */
  listContainers(opts: CallOptions): Promise<ContainerSummary[]>;
  inspectContainer(id: string, opts: CallOptions): Promise<ContainerDetails>;
  /** Runs argv (no shell unless argv says so) in a running container; rejects with kind 'timeout' past the deadline. */
  exec(containerId: string, argv: string[], opts: ExecOptions): Promise<ExecResult>;
  /** Creates and starts a carrier (see CarrierSpec); resolves with its container id. */
  startCarrier(spec: CarrierSpec): Promise<string>;
  /**
   * Unpacks the tar archive `tarball` into directory `directory` of a container's filesystem
   * (`PUT /containers/{id}/archive?path=…`). A read-only root filesystem, or any other refusal by
   * the daemon, rejects with the daemon's status code.
   */
  putArchive(containerId: string, directory: string, tarball: Uint8Array, opts: CallOptions): Promise<void>;
  /** Removes a container, running or not; a container already gone is not an error. */
  removeContainer(id: string, opts: CallOptions): Promise<void>;
  /** Makes sure `image` exists on the host, importing the rootfs tarball `rootfs()` returns when missing. */
  ensureImage(image: string, rootfs: () => Uint8Array, opts: CallOptions): Promise<void>;
  /** Releases sockets / ssh sessions. Idempotent. */
  close(): Promise<void>;
}

export const TRANSPORT_ERROR_KINDS = [
  'unreachable',
  'timeout',
  'aborted',
  'not-found',
  'conflict',
  'exec-failed',
  'tls',
  'auth',
  'protocol',
  /** The daemon sent more than the transport accepts for one answer. */
  'response-too-large',
  /** The ssh server's host key is neither in known_hosts nor pinned. */
  'host-key',
] as const;
export type TransportErrorKind = (typeof TRANSPORT_ERROR_KINDS)[number];

/** A Docker API failure. The message is built by tunnelwatch and never carries key material. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof TransportError;
}
