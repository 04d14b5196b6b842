import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { DockerConnection } from '../config/tunnelwatch-config.js';
import { withDeadline } from './deadline.js';
import {
  type CallOptions,
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  type ExecResult,
  type SidecarSpec,
  TransportError,
} from './docker-host-client.js';
import { describeConnection, dockerodeOptions } from './dockerode-options.js';
import { transportErrorFrom } from './transport-error-from.js';

// Output beyond this is cut: a runaway command must not exhaust the monitor's memory.
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
// How long a failed sidecar's forced removal may hold up the caller; it carries on in the background.
const SIDECAR_CLEANUP_MS = 2_000;

/** DockerHostClient over dockerode. Every dockerode quirk stays in this file. */
export class DockerodeHostClient implements DockerHostClient {
  readonly #docker: Docker;
  readonly #where: string;

  constructor(connection: DockerConnection) {
    this.#docker = new Docker(dockerodeOptions(connection));
    this.#where = describeConnection(connection);
  }

  listContainers(label: string, opts: CallOptions): Promise<ContainerSummary[]> {
    return this.#call('list containers', opts, async (abortSignal) => {
      const list = await this.#docker.listContainers({ all: true, filters: { label: [label] }, abortSignal });
      return list.map((c) => ({
        id: c.Id,
        names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
        image: c.Image,
        state: c.State,
        labels: c.Labels ?? {},
      }));
    });
  }

  inspectContainer(id: string, opts: CallOptions): Promise<ContainerDetails> {
    return this.#call(`inspect container ${short(id)}`, opts, async (abortSignal) => {
      const info = await this.#docker.getContainer(id).inspect({ abortSignal });
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        running: info.State.Running === true,
        labels: info.Config.Labels ?? {},
        env: info.Config.Env ?? [],
        dockerIps: Object.values(info.NetworkSettings?.Networks ?? {})
          .map((n) => n.IPAddress)
          .filter((ip): ip is string => typeof ip === 'string' && ip !== ''),
      };
    });
  }

  exec(containerId: string, argv: string[], opts: CallOptions): Promise<ExecResult> {
    let stream: Duplex | null = null;
    return this.#call(`exec in ${short(containerId)}`, opts, async (abortSignal) => {
      abortSignal.addEventListener('abort', () => stream?.destroy(), { once: true });
      const exec = await this.#docker.getContainer(containerId).exec({
        Cmd: argv,
        AttachStdout: true,
        AttachStderr: true,
        abortSignal,
      } as Docker.ExecCreateOptions);
      stream = (await exec.start({
        hijack: true,
        stdin: false,
        abortSignal,
      } as Docker.ExecStartOptions)) as Duplex;
      if (abortSignal.aborted) stream.destroy();
      const { stdout, stderr } = await this.#collect(stream);
      const info = await exec.inspect({ abortSignal } as object);
      if (info.ExitCode === null || info.ExitCode === undefined) {
        throw new TransportError(
          'exec-failed',
          `exec in ${short(containerId)}: stream ended without an exit code`,
        );
      }
      return { exitCode: info.ExitCode, stdout, stderr };
    });
  }

  async runSidecar(spec: SidecarSpec): Promise<ExecResult> {
    // Named up front, so cleanup can find the container even when the create call was cut off by the
    // deadline after the daemon had already created it.
    const name = `tunnelwatch-sidecar-${randomBytes(6).toString('hex')}`;
    let stream: Duplex | null = null;
    let exited = false;
    const what = `sidecar ${spec.image} in the network of ${short(spec.networkOfContainer)}`;
    try {
      return await this.#call(what, spec, async (abortSignal) => {
        abortSignal.addEventListener('abort', () => stream?.destroy(), { once: true });
        const hasStdin = spec.stdin !== undefined;
        // docker-modem copies every option into the query string as well as the body unless they are
        // split into _query and _body: the IKE sidecar's argv (~1.1 KB per peer) would otherwise ride
        // in the URL, and dockerd refuses request heads over 1 MiB (about 900 peers).
        const container = await this.#docker.createContainer({
          _query: { name },
          _body: {
            Image: spec.image,
            Cmd: spec.argv,
            Labels: { 'io.tunnelwatch.sidecar': 'true' },
            AttachStdin: hasStdin,
            AttachStdout: true,
            AttachStderr: true,
            OpenStdin: hasStdin,
            StdinOnce: hasStdin,
            Tty: false,
            HostConfig: { NetworkMode: `container:${spec.networkOfContainer}`, AutoRemove: true },
          },
          abortSignal,
        } as unknown as Docker.ContainerCreateOptions);
        // The deadline may have passed while create was in flight; cleanup below may already have run.
        if (abortSignal.aborted) {
          await container.remove({ force: true }).catch(() => {});
          throw abortSignal.reason;
        }
        stream = (await container.attach({
          stream: true,
          stdin: hasStdin,
          stdout: true,
          stderr: true,
          hijack: true,
          abortSignal,
        } as object)) as Duplex;
        // Registered before start so that AutoRemove cannot remove the container before we see it exit.
        const exit = container.wait({ condition: 'next-exit', abortSignal } as object) as Promise<{
          StatusCode: number;
        }>;
        exit.catch(() => {});
        const output = this.#collect(stream);
        await container.start({ abortSignal } as object);
        if (hasStdin) stream.end(typeof spec.stdin === 'string' ? spec.stdin : Buffer.from(spec.stdin!));
        const [{ StatusCode }, { stdout, stderr }] = await Promise.all([exit, output]);
        exited = true;
        return { exitCode: StatusCode, stdout, stderr };
      });
    } finally {
      // Killed on timeout/abort/error (AutoRemove does not cover a container that never started).
      // Bounded, so a hung daemon cannot hold the sweep past its deadline.
      if (!exited) {
        const removal = this.#docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => {});
        await Promise.race([removal, new Promise((r) => setTimeout(r, SIDECAR_CLEANUP_MS).unref())]);
      }
    }
  }

  ensureImage(image: string, rootfs: () => Uint8Array, opts: CallOptions): Promise<void> {
    return this.#call(`ensure image ${image}`, opts, async (abortSignal) => {
      try {
        await this.#docker.getImage(image).inspect({ abortSignal } as object);
        return;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
      const [repo, tag = 'latest'] = splitImage(image);
      // A Buffer goes out with its Content-Length in one request body (docker-modem writes it whole).
      const tarball = Buffer.from(rootfs());
      const progress = await this.#docker.importImage(
        tarball as unknown as NodeJS.ReadableStream,
        { repo, tag, abortSignal } as object,
      );
      await new Promise<void>((resolve, reject) => {
        this.#docker.modem.followProgress(progress, (err: Error | null, events: { error?: string }[]) => {
          const failed = events?.find((ev) => ev.error);
          if (err) reject(err);
          else if (failed)
            reject(new TransportError('protocol', `import of ${image} failed: ${failed.error}`));
          else resolve();
        });
      });
      await this.#docker.getImage(image).inspect({ abortSignal } as object);
    });
  }

  async close(): Promise<void> {
    // dockerode opens a connection per request and keeps no pool of its own for unix/tcp; nothing to release.
  }

  #call<T>(what: string, opts: CallOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const label = `${this.#where}: ${what}`;
    return withDeadline(label, opts.deadlineMs, opts.signal, async (signal) => {
      try {
        return await work(signal);
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw transportErrorFrom(e, label);
      }
    });
  }

  #collect(stream: Duplex): Promise<{ stdout: string; stderr: string }> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    // demuxStream only calls write(); a synchronous sink keeps every byte that arrived before 'end'.
    const sink = (into: Buffer[]) =>
      ({
        write(chunk: Buffer) {
          size += chunk.length;
          if (size <= MAX_OUTPUT_BYTES) into.push(chunk);
          return true;
        },
      }) as unknown as NodeJS.WritableStream;
    this.#docker.modem.demuxStream(stream, sink(out), sink(err));
    return new Promise((resolve, reject) => {
      stream.on('end', () =>
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
      );
      stream.on('close', () =>
        resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
      );
      stream.on('error', reject);
    });
  }
}

function short(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

function splitImage(image: string): [string, string?] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image];
}
