import { execFile } from 'node:child_process';
import type { HostConfig } from '../../shared/config/tunnelwatch-config.js';
import { withDeadline } from '../../shared/transport/deadline.js';
import type {
  CallOptions,
  ContainerDetails,
  ContainerSummary,
  DockerHostClient,
  ExecResult,
} from '../../shared/transport/docker-host-client.js';
import { TransportError } from '../../shared/transport/docker-host-client.js';

/**
 * Test double: one "agent container" whose exec runs argv for real on this machine, with `sh`
 * being BusyBox sh (what agents have). Tests must give it loopback-only targets.
 */
export class LocalShellClient implements DockerHostClient {
  execCalls: string[][] = [];

  constructor(
    private readonly agent: { id: string; labels: Record<string, string>; env?: string[]; state?: string },
  ) {}

  listCalls = 0;
  inspectCalls = 0;

  /** The host's only container. The agent is a Rancher 1.1 Network Agent unless its labels say otherwise. */
  async listContainers(_opts: CallOptions): Promise<ContainerSummary[]> {
    this.listCalls++;
    const { id, state = 'running' } = this.agent;
    return [
      { id, names: [`agent-${id.slice(0, 4)}`], image: 'agent', state, labels: this.labels(), dockerIps: [] },
    ];
  }

  private labels(): Record<string, string> {
    return { 'io.rancher.container.system': 'NetworkAgent', ...this.agent.labels };
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    this.inspectCalls++;
    const { env = [], state = 'running' } = this.agent;
    const labels = this.labels();
    return { id, name: 'agent', running: state === 'running', labels, env };
  }

  exec(_containerId: string, argv: string[], opts: CallOptions): Promise<ExecResult> {
    this.execCalls.push(argv);
    const [cmd, ...args] = argv[0] === 'sh' ? ['/bin/busybox', 'sh', ...argv.slice(1)] : argv;
    return withDeadline('local exec', opts.deadlineMs, opts.signal, (signal) => {
      return new Promise<ExecResult>((resolve) => {
        execFile(cmd!, args, { signal, encoding: 'utf8' }, (error, stdout, stderr) => {
          const code =
            error && typeof (error as { code?: unknown }).code === 'number'
              ? (error as { code: number }).code
              : error
                ? 1
                : 0;
          resolve({ exitCode: code, stdout, stderr });
        });
      });
    });
  }

  /**
   * Refused as dockerd refuses a read-only agent (403): the batch script runs the program from this
   * machine's own /tmp, where a test must not put it. The IKE probe then falls back to a carrier,
   * which this double does not have either, so its paths are `unknown`.
   */
  putArchive(): Promise<void> {
    return Promise.reject(
      new TransportError(
        'protocol',
        'copy into agent: Docker API answered 403 (container rootfs is marked read-only)',
        403,
      ),
    );
  }

  startCarrier(): Promise<string> {
    return Promise.reject(new TransportError('not-found', 'no carriers in the local shell double'));
  }

  async removeContainer(): Promise<void> {}

  async ensureImage(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A Docker endpoint that never answers: every call waits for its deadline. */
export class SilentClient implements DockerHostClient {
  private wait<T>(what: string, opts: CallOptions): Promise<T> {
    return withDeadline(what, opts.deadlineMs, opts.signal, () => new Promise<T>(() => {}));
  }
  listContainers(opts: CallOptions) {
    return this.wait<ContainerSummary[]>('list containers', opts);
  }
  inspectContainer(_id: string, opts: CallOptions) {
    return this.wait<ContainerDetails>('inspect', opts);
  }
  exec(_id: string, _argv: string[], opts: CallOptions) {
    return this.wait<ExecResult>('exec', opts);
  }
  putArchive(_id: string, _directory: string, _tarball: Uint8Array, opts: CallOptions) {
    return this.wait<void>('copy into container', opts);
  }
  startCarrier(spec: CallOptions) {
    return this.wait<string>('start carrier', spec);
  }
  removeContainer(_id: string, opts: CallOptions) {
    return this.wait<void>('remove container', opts);
  }
  ensureImage(_i: string, _rootfs: () => Uint8Array, opts: CallOptions) {
    return this.wait<void>('ensure image', opts);
  }
  async close() {}
}

/**
 * A fleet of loopback "agents" for config hosts named hN: host hN's agent runs locally and owns
 * 127.0.0.N; hosts listed in `dead` have a Docker endpoint that never answers.
 */
export function loopbackFleet(dead: readonly string[] = []): (host: HostConfig) => DockerHostClient {
  return (host) =>
    dead.includes(host.name)
      ? new SilentClient()
      : new LocalShellClient({
          id: `agent-${host.name}`,
          labels: { 'io.rancher.container.ip': `127.0.0.${host.name.slice(1)}/8` },
        });
}
