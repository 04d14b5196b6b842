import { randomBytes } from 'node:crypto';
import type { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerConnection } from '../config/tunnelwatch-config.js';
import { withDeadline } from './deadline.js';
import { describeConnection } from './describe-connection.js';
import { dockerApi } from './docker-api.js';
import { closeIdleConnections, dockerConnectionAgent } from './docker-connection-agent.js';
import {
  type CallOptions,
  type CarrierSpec,
  type ContainerDetails,
  type ContainerSummary,
  type DockerHostClient,
  type ExecOptions,
  type ExecResult,
  TransportError,
} from './docker-host-client.js';
import { MultiplexedStreamDecoder } from './multiplexed-stream.js';
import { SshSession } from './ssh-session.js';
import { transportErrorFrom } from './transport-error-from.js';

// A host's answers are untrusted: exec output (stdout + stderr) beyond this, and any one
// connection's bytes beyond the second bound, fail the call with `response-too-large` instead of
// growing the monitor's memory. Far above what a sweep of hundreds of peers prints.
export const MAX_EXEC_OUTPUT_BYTES = 4 * 1024 * 1024;
export const MAX_CONNECTION_BYTES = 8 * 1024 * 1024;
const MAX_PROGRESS_LINE = 64 * 1024;
// How long a failed carrier's forced removal may hold up the caller; it carries on in the background.
const CARRIER_CLEANUP_MS = 2_000;
// What a carrier may use on the host: one sleeping process, no capabilities, no writable filesystem.
const CARRIER_MEMORY_BYTES = 16 * 1024 * 1024;
const CARRIER_PIDS_LIMIT = 16;

/** DockerHostClient over dockerode. Every dockerode quirk stays in this file. */
export class DockerodeHostClient implements DockerHostClient {
  readonly #docker: Docker;
  readonly #where: string;
  readonly #agent: Agent;
  readonly #ssh: SshSession | null;

  constructor(connection: DockerConnection) {
    this.#where = describeConnection(connection);
    this.#ssh = connection.scheme === 'ssh' ? new SshSession(connection, this.#where) : null;
    const ssh = this.#ssh;
    this.#agent = dockerConnectionAgent(
      connection,
      this.#where,
      MAX_CONNECTION_BYTES,
      ssh ? () => ssh.dialStdio() : null,
    );
    this.#docker =
      connection.scheme === 'unix'
        ? // A unix socket has no host; the request names loopback, which is where the bytes stay.
          dockerApi(this.#agent, 'localhost', null)
        : dockerApi(this.#agent, connection.host, connection.port);
  }

  listContainers(opts: CallOptions): Promise<ContainerSummary[]> {
    return this.#call('list containers', opts, async (abortSignal) => {
      const list = await this.#docker.listContainers({ all: true, abortSignal });
      return list.map((c) => ({
        id: c.Id,
        names: (c.Names ?? []).map((n) => n.replace(/^\//, '')),
        image: c.Image,
        state: c.State,
        labels: c.Labels ?? {},
        dockerIps: assignedIps(c.NetworkSettings?.Networks),
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
      };
    });
  }

  exec(containerId: string, argv: string[], opts: ExecOptions): Promise<ExecResult> {
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
      if (opts.completeMarker !== undefined && endsWithLine(stdout, opts.completeMarker)) {
        return { exitCode: 0, stdout, stderr };
      }
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

  async startCarrier(spec: CarrierSpec): Promise<string> {
    // Named up front, so cleanup can find the container even when the create call was cut off by the
    // deadline after the daemon had already created it.
    const name = `tunnelwatch-carrier-${randomBytes(6).toString('hex')}`;
    let started = false;
    try {
      return await this.#call(
        `start carrier ${spec.image} for ${short(spec.ofContainer)}`,
        spec,
        async (abortSignal) => {
          const container = await this.#docker.createContainer({
            _query: { name },
            _body: {
              Image: spec.image,
              Cmd: spec.argv,
              Labels: spec.labels,
              Tty: false,
              HostConfig: {
                NetworkMode: `container:${spec.ofContainer}`,
                PidMode: `container:${spec.ofContainer}`,
                // Removed by the daemon when it exits, which it does when the agent stops.
                AutoRemove: true,
                ReadonlyRootfs: true,
                CapDrop: ['ALL'],
                SecurityOpt: ['no-new-privileges'],
                Memory: CARRIER_MEMORY_BYTES,
                PidsLimit: CARRIER_PIDS_LIMIT,
                RestartPolicy: { Name: 'no' },
              },
            },
            abortSignal,
          } as unknown as Docker.ContainerCreateOptions);
          await container.start({ abortSignal } as object);
          started = true;
          return container.id;
        },
      );
    } finally {
      // Bounded, so a hung daemon cannot hold the sweep past its deadline.
      if (!started) {
        const removal = this.#docker
          .getContainer(name)
          .remove({ force: true })
          .catch(() => {});
        await Promise.race([removal, new Promise((r) => setTimeout(r, CARRIER_CLEANUP_MS).unref())]);
      }
    }
  }

  putArchive(containerId: string, directory: string, tarball: Uint8Array, opts: CallOptions): Promise<void> {
    return this.#call(`copy into ${short(containerId)}`, opts, async (abortSignal) => {
      // A Buffer goes out with its Content-Length in one request body, as for an image import.
      const answer = (await this.#docker.getContainer(containerId).putArchive(
        Buffer.from(tarball) as unknown as NodeJS.ReadableStream,
        {
          path: directory,
          abortSignal,
        } as object,
      )) as unknown;
      // docker-modem answers with the (empty) body, or with a stream of it: read it to its end.
      if (answer && typeof (answer as NodeJS.ReadableStream).resume === 'function') {
        await new Promise<void>((resolve, reject) => {
          const body = answer as NodeJS.ReadableStream;
          body.on('end', resolve);
          body.on('close', resolve);
          body.on('error', reject);
          body.resume();
        });
      }
    });
  }

  removeContainer(id: string, opts: CallOptions): Promise<void> {
    return this.#call(`remove container ${short(id)}`, opts, async (abortSignal) => {
      try {
        await this.#docker.getContainer(id).remove({ force: true, abortSignal } as object);
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    });
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
      const progress = (await this.#docker.importImage(
        tarball as unknown as NodeJS.ReadableStream,
        { repo, tag, abortSignal } as object,
      )) as NodeJS.ReadableStream;
      const failed = await importFailure(progress);
      if (failed !== null) throw new TransportError('protocol', `import of ${image} failed: ${failed}`);
      await this.#docker.getImage(image).inspect({ abortSignal } as object);
    });
  }

  async close(): Promise<void> {
    // Connections in use end with their request (or its deadline); idle ones and the ssh session close now.
    closeIdleConnections(this.#agent);
    await this.#ssh?.close();
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
    const decoder = new MultiplexedStreamDecoder(MAX_EXEC_OUTPUT_BYTES);
    return new Promise((resolve, reject) => {
      const fail = (failure: 'too-large' | 'not-multiplexed' | 'truncated') => {
        stream.destroy();
        reject(
          failure === 'too-large'
            ? new TransportError(
                'response-too-large',
                `${this.#where}: command output exceeds ${MAX_EXEC_OUTPUT_BYTES / 1024 / 1024} MiB; refused`,
              )
            : new TransportError(
                'protocol',
                `${this.#where}: ${failure === 'truncated' ? 'output stream ended inside a frame' : 'output is not a multiplexed Docker stream'}`,
              ),
        );
      };
      // 'end' and then 'close' both come for a stream that ends cleanly: the output is joined and
      // decoded once (twice was a megabyte per agent per sweep at 200 hosts).
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        const out = decoder.end();
        if (typeof out === 'string') fail(out);
        else resolve({ stdout: out.stdout.toString('utf8'), stderr: out.stderr.toString('utf8') });
      };
      stream.on('data', (chunk: Buffer) => {
        const failure = decoder.push(chunk);
        if (failure) fail(failure);
      });
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', reject);
    });
  }
}

/**
 * Reads an image import's progress stream (one JSON object per line) to its end and returns the
 * daemon's error text, if it reported one. Lines that are not JSON are ignored: docker-modem's
 * followProgress throws out of its data handler on them, which would take the process down.
 */
function importFailure(progress: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let pending = '';
    let error: string | null = null;
    const line = (text: string) => {
      if (error !== null || !text.includes('"error"')) return;
      try {
        const event = JSON.parse(text) as { error?: unknown };
        if (typeof event.error === 'string') error = event.error.slice(0, 300);
      } catch {
        // not an event; the connection's byte cap bounds how much of this there can be
      }
    };
    progress.on('data', (chunk: Buffer | string) => {
      const lines = (pending + chunk.toString()).split('\n');
      // A "line" longer than any progress event is dropped, so a newline-free stream stays linear.
      pending = (lines.pop() ?? '').slice(-MAX_PROGRESS_LINE);
      for (const l of lines) line(l);
    });
    progress.on('end', () => {
      line(pending);
      resolve(error);
    });
    progress.on('error', reject);
  });
}

function assignedIps(networks: Record<string, { IPAddress?: unknown }> | undefined): string[] {
  return Object.values(networks ?? {})
    .map((n) => n.IPAddress)
    .filter((ip): ip is string => typeof ip === 'string' && ip !== '');
}

function endsWithLine(text: string, line: string): boolean {
  return text.endsWith(`\n${line}\n`) || text === `${line}\n`;
}

function short(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

function splitImage(image: string): [string, string?] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image];
}
