// One fake Docker Engine API (v1.41) on a unix socket, speaking the wire protocol dockerode uses:
// JSON over HTTP/1.1, exec and attach hijacked with `101 UPGRADED` into raw streams carrying
// multiplexed frames (8-byte header: stream type, three zero bytes, big-endian length). The agent
// and sidecar behaviour comes from simulated-agent.ts; this file only speaks Docker.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { frameHeader } from '../hostile-docker-daemon.js';
import type { FleetHost, FleetPlan } from './fleet-plan.js';
import { agentStopped, FLEET_OVERLAY_LABEL } from './fleet-plan.js';
import { agentExec, type CommandResult, ikeSidecar, tarEntryNames } from './simulated-agent.js';

const API_VERSION = '1.41';
// Real dockerd writes what the process wrote, in pieces of at most 32 KiB.
const FRAME_BYTES = 32 * 1024;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const GO_MAX_HEADER_BYTES = 1 << 20;
// A started sidecar "runs" until the client's wait request has arrived, at most this long, as a real
// IKE probe (≥ one reply wait) outlives the HTTP round trips that follow its start. Without it a
// loaded machine lets the container exit and auto-remove before the client's wait arrives: the wait
// then gets 404 and the probe is lost, a race a real dockerd shows too with a very short sidecar.
const SIDECAR_MAX_WAIT_FOR_WAITER_MS = 5_000;

interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  env: string[];
  cmd: string[];
  state: 'created' | 'running' | 'exited';
  exitCode: number;
  autoRemove: boolean;
  networkOf: string | null;
  /** The agent itself, the IKE probe's carrier (sleeps; exec runs the probe), or another container (runs its command on start). */
  role: 'agent' | 'carrier' | 'other';
  attached: Duplex[];
  waiters: ((code: number) => void)[];
  /** Paths put into its filesystem through `PUT …/archive` (the IKE probe program, in an agent). */
  files: Set<string>;
}

interface FakeExec {
  id: string;
  containerId: string;
  argv: string[];
  running: boolean;
  exitCode: number | null;
}

export interface DockerWireServerOptions {
  plan: FleetPlan;
  host: FleetHost;
  socketPath: string;
  /** Images already on the host (e.g. the IKE probe image); others must be imported first. */
  images?: readonly string[];
  /** Idle keep-alive connections are closed after this long; default 0 = never, like dockerd. */
  keepAliveTimeoutMs?: number;
  /** The agent's root filesystem is read-only: `PUT …/archive` answers 403, as dockerd does. */
  readOnlyAgent?: boolean;
}

/** One simulated host's Docker daemon. `requests` counts every API call by route, for assertions. */
export class DockerWireServer {
  readonly requests = new Map<string, number>();
  /** The longest request target seen, bytes (dockerode puts createContainer's options in it). */
  longestUrl = 0;
  /** Every exec's argv, in order of creation: what an agent was asked to probe. */
  readonly execArgvs: string[][] = [];
  readonly #plan: FleetPlan;
  readonly #host: FleetHost;
  readonly #socketPath: string;
  readonly #containers = new Map<string, FakeContainer>();
  readonly #execs = new Map<string, FakeExec>();
  readonly #images: Set<string>;
  readonly #readOnlyAgent: boolean;
  readonly #server: Server;
  readonly #sockets = new Set<Duplex>();

  constructor(opts: DockerWireServerOptions) {
    this.#plan = opts.plan;
    this.#host = opts.host;
    this.#socketPath = opts.socketPath;
    this.#images = new Set(opts.images ?? []);
    this.#readOnlyAgent = opts.readOnlyAgent === true;
    const agent = this.#host;
    this.#containers.set(agent.agentId, {
      id: agent.agentId,
      name: 'network-agent',
      image: 'rancher/agent-instance:v0.3.0',
      labels: {
        'io.rancher.container.system': 'NetworkAgent',
        [FLEET_OVERLAY_LABEL]: `${agent.overlayIp}/16`,
      },
      env: [`CATTLE_AGENT_IP=${agent.advertisedIp}`, 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'],
      cmd: ['/usr/lib/ipsec/charon'],
      state: agentStopped(this.#plan, agent) ? 'exited' : 'running',
      exitCode: agentStopped(this.#plan, agent) ? 137 : 0,
      autoRemove: false,
      networkOf: null,
      role: 'agent',
      attached: [],
      waiters: [],
      files: new Set(),
    });
    // dockerd is a Go net/http server: 1 MiB of request line and headers. dockerode repeats every
    // createContainer option in the query string, so a sidecar's argv counts against this limit.
    this.#server = createServer({ maxHeaderSize: GO_MAX_HEADER_BYTES }, (req, res) => {
      void this.#handle(req, res);
    });
    // dockerd sets no idle timeout on API connections (Go's default), so clients may keep them.
    // Node's 5 s default would close sockets the client's keep-alive pool still reuses (EPIPE on the
    // next sweep); a test of that race can ask for it.
    this.#server.keepAliveTimeout = opts.keepAliveTimeoutMs ?? 0;
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#upgrade(req, socket, head);
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  get socketPath(): string {
    return this.#socketPath;
  }

  /** Containers on the host other than the agent (carriers, anything else not removed yet). */
  get leftoverContainers(): string[] {
    return [...this.#containers.values()].filter((c) => c.role !== 'agent').map((c) => c.name);
  }

  get runningExecs(): number {
    return [...this.#execs.values()].filter((e) => e.running).length;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#socketPath, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #count(method: string, route: string): void {
    const key = `${method} ${route}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.longestUrl = Math.max(this.longestUrl, req.url?.length ?? 0);
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    const method = req.method ?? 'GET';
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, {
        'Api-Version': API_VERSION,
        'Docker-Experimental': 'false',
        Ostype: 'linux',
        Server: 'Docker/20.10.24 (linux)',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      });
      res.end(body === undefined ? undefined : `${JSON.stringify(body)}\n`);
    };
    const error = (status: number, message: string) => reply(status, { message });
    let m: RegExpExecArray | null;
    try {
      if ((method === 'GET' || method === 'HEAD') && path === '/_ping') {
        this.#count(method, '/_ping');
        res.writeHead(200, { 'Api-Version': API_VERSION, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(method === 'HEAD' ? undefined : 'OK');
        return;
      }
      if (method === 'GET' && path === '/version') {
        this.#count(method, '/version');
        return reply(200, {
          Version: '20.10.24+dfsg1',
          ApiVersion: API_VERSION,
          MinAPIVersion: '1.12',
          Os: 'linux',
          Arch: 'amd64',
          KernelVersion: '6.1.0',
        });
      }
      if (method === 'GET' && path === '/containers/json') {
        this.#count(method, '/containers/json');
        const all = url.searchParams.get('all') === 'true' || url.searchParams.get('all') === '1';
        const labels = labelFilters(url.searchParams.get('filters'));
        if (labels === null) return error(400, 'invalid filter');
        const list = [...this.#containers.values()]
          .filter((c) => all || c.state === 'running')
          .filter((c) => labels.every((l) => matchesLabel(c.labels, l)))
          .map((c) => this.#summary(c));
        return reply(200, list);
      }
      if (method === 'POST' && path === '/containers/create') {
        this.#count(method, '/containers/create');
        const body = await jsonBody(req);
        const created = this.#create(url.searchParams.get('name'), body);
        return 'Id' in created ? reply(201, created) : error(created.status, created.message);
      }
      if (method === 'POST' && path === '/images/create') {
        this.#count(method, '/images/create');
        return await this.#importImage(req, url, res);
      }
      m = /^\/images\/(.+)\/json$/.exec(path);
      if (m && method === 'GET') {
        this.#count(method, '/images/:name/json');
        const name = decodeURIComponent(m[1]!);
        if (!this.#images.has(withTag(name))) return error(404, `No such image: ${name}`);
        return reply(200, { Id: `sha256:${digest(withTag(name))}`, RepoTags: [withTag(name)], Os: 'linux' });
      }
      m = /^\/exec\/([^/]+)\/json$/.exec(path);
      if (m && method === 'GET') {
        this.#count(method, '/exec/:id/json');
        const exec = this.#execs.get(m[1]!);
        if (!exec) return error(404, `No such exec instance: ${m[1]}`);
        const body = {
          ID: exec.id,
          Running: exec.running,
          ExitCode: exec.exitCode,
          ProcessConfig: { entrypoint: exec.argv[0], arguments: exec.argv.slice(1), tty: false },
          ContainerID: exec.containerId,
          Pid: 4242,
        };
        if (!exec.running) this.#execs.delete(exec.id);
        return reply(200, body);
      }
      m = /^\/exec\/([^/]+)\/start$/.exec(path);
      if (m && method === 'POST') {
        // Not hijacked: the same raw stream as the body of a 200 response.
        this.#count(method, '/exec/:id/start');
        await jsonBody(req);
        const exec = this.#execs.get(m[1]!);
        if (!exec) return error(404, `No such exec instance: ${m[1]}`);
        res.writeHead(200, {
          'Content-Type': 'application/vnd.docker.raw-stream',
          'Api-Version': API_VERSION,
        });
        return this.#runExec(exec, res);
      }
      m = /^\/containers\/([^/]+)(\/[a-z]+)?$/.exec(path);
      if (m) {
        const container = this.#find(decodeURIComponent(m[1]!));
        const action = m[2] ?? '';
        const route = `/containers/:id${action}`;
        this.#count(method, action === '' && method === 'GET' ? '/containers/:id/json' : route);
        if (!container) return error(404, `No such container: ${m[1]}`);
        if (method === 'GET' && action === '/json') return reply(200, this.#inspect(container));
        if (method === 'POST' && action === '/exec') {
          const body = (await jsonBody(req)) as { Cmd?: unknown };
          if (container.state !== 'running') return error(409, `Container ${container.id} is not running`);
          if (!Array.isArray(body.Cmd) || !body.Cmd.every((a) => typeof a === 'string')) {
            return error(400, 'No exec command specified');
          }
          const id = randomBytes(32).toString('hex');
          this.execArgvs.push(body.Cmd);
          this.#execs.set(id, {
            id,
            containerId: container.id,
            argv: body.Cmd,
            running: false,
            exitCode: null,
          });
          return reply(201, { Id: id });
        }
        if (method === 'PUT' && action === '/archive') {
          // dockerd unpacks the tar into the container's filesystem at ?path=, which must exist.
          const directory = url.searchParams.get('path') ?? '';
          const tarball = await bodyBytes(req);
          if (container.role === 'agent' && this.#readOnlyAgent)
            return error(403, 'container rootfs is marked read-only');
          if (directory !== '/tmp') return error(404, `Could not find the file ${directory} in container`);
          for (const name of tarEntryNames(tarball)) container.files.add(`${directory}/${name}`);
          return reply(200);
        }
        if (method === 'POST' && action === '/start') {
          await jsonBody(req);
          if (container.state === 'running') return reply(304);
          if (container.networkOf) {
            const net = this.#containers.get(container.networkOf);
            if (net?.state !== 'running') {
              return error(409, `cannot join network of a non running container: ${container.networkOf}`);
            }
          }
          container.state = 'running';
          reply(204);
          // A carrier sleeps until it is removed; anything else runs its command and exits.
          if (container.role === 'other') this.#runSidecar(container);
          return;
        }
        if (method === 'POST' && action === '/wait') {
          await jsonBody(req);
          const condition = url.searchParams.get('condition') ?? 'not-running';
          if (condition !== 'next-exit' && container.state !== 'running') {
            return reply(200, { StatusCode: container.exitCode, Error: null });
          }
          res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
          res.flushHeaders();
          container.waiters.push((code) => res.end(`${JSON.stringify({ StatusCode: code, Error: null })}\n`));
          return;
        }
        if (method === 'DELETE' && action === '') {
          const force = url.searchParams.get('force') === 'true' || url.searchParams.get('force') === '1';
          if (container.state === 'running' && !force) {
            return error(
              409,
              `You cannot remove a running container ${container.id}. Stop the container before attempting removal or force remove`,
            );
          }
          if (container.role === 'agent') return error(403, 'the fleet keeps its agents');
          this.#exit(container, 137);
          this.#containers.delete(container.id);
          return reply(204);
        }
      }
      this.#count(method, 'unknown');
      return error(404, `page not found: ${method} ${path}`);
    } catch (e) {
      if (!res.headersSent) error(500, String(e));
      else res.destroy();
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, _head: Buffer): void {
    // The request body (JSON options) and anything after it is read and dropped: no stdin is simulated.
    socket.on('data', () => {});
    socket.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    const refuse = (status: number, message: string) => {
      const body = `${JSON.stringify({ message })}\n`;
      socket.end(
        `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Conflict'}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    const upgraded = () =>
      socket.write(
        'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
      );
    let m: RegExpExecArray | null;
    m = /^\/exec\/([^/]+)\/start$/.exec(path);
    if (m && req.method === 'POST') {
      this.#count('POST', '/exec/:id/start');
      const exec = this.#execs.get(m[1]!);
      if (!exec) {
        refuse(404, `No such exec instance: ${m[1]}`);
        return;
      }
      upgraded();
      this.#runExec(exec, socket);
      return;
    }
    m = /^\/containers\/([^/]+)\/attach$/.exec(path);
    if (m && req.method === 'POST') {
      this.#count('POST', '/containers/:id/attach');
      const container = this.#find(decodeURIComponent(m[1]!));
      if (!container) {
        refuse(404, `No such container: ${m[1]}`);
        return;
      }
      upgraded();
      if (container.state === 'exited') socket.end();
      else container.attached.push(socket);
      return;
    }
    this.#count(req.method ?? 'GET', 'unknown');
    refuse(404, `page not found: ${req.method} ${path}`);
  }

  #runExec(exec: FakeExec, out: Duplex | ServerResponse): void {
    const container = this.#containers.get(exec.containerId);
    if (container?.state !== 'running') {
      exec.exitCode = 126;
      out.end();
      return;
    }
    exec.running = true;
    const result =
      container.role === 'carrier'
        ? ikeSidecar(this.#plan, this.#host, exec.argv)
        : agentExec(this.#plan, this.#host, exec.argv, container.files);
    writeFrames(out, result);
    exec.running = false;
    exec.exitCode = result.exitCode;
    out.end();
  }

  #runSidecar(container: FakeContainer): void {
    const started = Date.now();
    const finish = () => {
      const result: CommandResult = this.#images.has(withTag(container.image))
        ? ikeSidecar(this.#plan, this.#host, container.cmd)
        : { exitCode: 125, stdout: '', stderr: 'image vanished\n' };
      for (const s of container.attached) {
        writeFrames(s, result);
        s.end();
      }
      container.attached = [];
      this.#exit(container, result.exitCode);
      if (container.autoRemove) this.#containers.delete(container.id);
    };
    const poll = () => {
      if (container.state !== 'running') return;
      if (container.waiters.length > 0 || Date.now() - started > SIDECAR_MAX_WAIT_FOR_WAITER_MS) finish();
      else setTimeout(poll, 2);
    };
    setImmediate(poll);
  }

  #exit(container: FakeContainer, code: number): void {
    container.state = 'exited';
    container.exitCode = code;
    for (const s of container.attached) s.end();
    container.attached = [];
    for (const w of container.waiters.splice(0)) w(code);
  }

  #create(
    name: string | null,
    body: unknown,
  ): { Id: string; Warnings: [] } | { status: number; message: string } {
    const error = (status: number, message: string) => ({ status, message });
    const spec = body as {
      Image?: unknown;
      Cmd?: unknown;
      Labels?: Record<string, string>;
      HostConfig?: { NetworkMode?: string; AutoRemove?: boolean };
    };
    if (typeof spec.Image !== 'string') return error(400, 'config: Image is required');
    if (!this.#images.has(withTag(spec.Image))) return error(404, `No such image: ${withTag(spec.Image)}`);
    if (name !== null && [...this.#containers.values()].some((c) => c.name === name)) {
      return error(409, `Conflict. The container name "/${name}" is already in use`);
    }
    const mode = spec.HostConfig?.NetworkMode ?? 'default';
    const networkOf = mode.startsWith('container:') ? mode.slice('container:'.length) : null;
    const joined = networkOf === null ? null : this.#find(networkOf);
    if (networkOf !== null && !joined) return error(404, `No such container: ${networkOf}`);
    const id = randomBytes(32).toString('hex');
    this.#containers.set(id, {
      id,
      name: name ?? `fleet_${id.slice(0, 8)}`,
      image: spec.Image,
      labels: spec.Labels ?? {},
      env: [],
      cmd: Array.isArray(spec.Cmd) ? spec.Cmd.map(String) : [],
      state: 'created',
      exitCode: 0,
      autoRemove: spec.HostConfig?.AutoRemove === true,
      networkOf: joined?.id ?? null,
      role: Array.isArray(spec.Cmd) && spec.Cmd[1] === '--carry' ? 'carrier' : 'other',
      attached: [],
      waiters: [],
      files: new Set(),
    });
    return { Id: id, Warnings: [] };
  }

  async #importImage(req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    if (url.searchParams.get('fromSrc') !== '-') {
      await drain(req);
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ message: 'no registry in the simulated fleet' })}\n`);
      return;
    }
    const size = await drain(req);
    const repo = url.searchParams.get('repo') ?? '';
    const tag = url.searchParams.get('tag') ?? 'latest';
    res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    if (size === 0 || repo === '') {
      res.end(`${JSON.stringify({ errorDetail: { message: 'EOF' }, error: 'EOF' })}\r\n`);
      return;
    }
    this.#images.add(`${repo}:${tag}`);
    res.end(`${JSON.stringify({ status: `sha256:${digest(`${repo}:${tag}`)}` })}\r\n`);
  }

  #find(idOrName: string): FakeContainer | undefined {
    const exact = this.#containers.get(idOrName);
    if (exact) return exact;
    const name = idOrName.replace(/^\//, '');
    for (const c of this.#containers.values()) if (c.name === name) return c;
    if (/^[0-9a-f]{12,}$/.test(idOrName)) {
      for (const c of this.#containers.values()) if (c.id.startsWith(idOrName)) return c;
    }
    return undefined;
  }

  #summary(c: FakeContainer) {
    return {
      Id: c.id,
      Names: [`/${c.name}`],
      Image: c.image,
      ImageID: `sha256:${digest(c.image)}`,
      Command: c.cmd.join(' ').slice(0, 80),
      Created: 1_764_000_000,
      State: c.state,
      Status: c.state === 'running' ? 'Up 3 hours' : `Exited (${c.exitCode}) 2 minutes ago`,
      Labels: c.labels,
      NetworkSettings: { Networks: { bridge: { IPAddress: c.role === 'agent' ? '172.17.0.2' : '' } } },
    };
  }

  #inspect(c: FakeContainer) {
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Created: '2026-11-24T08:00:00.000000000Z',
      State: {
        Status: c.state,
        Running: c.state === 'running',
        Paused: false,
        Restarting: false,
        ExitCode: c.exitCode,
        Pid: c.state === 'running' ? 4242 : 0,
      },
      Image: `sha256:${digest(c.image)}`,
      Config: { Image: c.image, Labels: c.labels, Env: c.env, Cmd: c.cmd },
      HostConfig: {
        NetworkMode: c.networkOf ? `container:${c.networkOf}` : 'bridge',
        AutoRemove: c.autoRemove,
      },
      NetworkSettings: {
        Networks: c.networkOf ? {} : { bridge: { IPAddress: c.role === 'agent' ? '172.17.0.2' : '' } },
      },
    };
  }
}

/** `{"label":["k=v"]}` or `{"label":{"k=v":true}}` → ["k=v"]; null when malformed. */
function labelFilters(text: string | null): string[] | null {
  if (text === null || text === '') return [];
  try {
    const parsed = JSON.parse(text) as { label?: unknown };
    const label = parsed.label;
    if (label === undefined) return [];
    if (Array.isArray(label)) return label.map(String);
    if (label && typeof label === 'object') return Object.keys(label);
    return null;
  } catch {
    return null;
  }
}

function matchesLabel(labels: Record<string, string>, filter: string): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

function withTag(image: string): string {
  const slash = image.lastIndexOf('/');
  return image.lastIndexOf(':') > slash ? image : `${image}:latest`;
}

function digest(text: string): string {
  return Buffer.from(text).toString('hex').padEnd(64, '0').slice(0, 64);
}

/** Writes stdout then stderr as multiplexed frames. */
function writeFrames(out: { write(chunk: Buffer): unknown }, result: CommandResult): void {
  for (const [stream, text] of [
    [1, result.stdout],
    [2, result.stderr],
  ] as const) {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; at += FRAME_BYTES) {
      const payload = bytes.subarray(at, at + FRAME_BYTES);
      out.write(Buffer.concat([frameHeader(stream, payload.length), payload]));
    }
  }
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = Buffer.from(await bodyBytes(req)).toString('utf8');
  return text.trim() === '' ? {} : JSON.parse(text);
}

async function bodyBytes(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<number> {
  let size = 0;
  for await (const chunk of req) size += (chunk as Buffer).length;
  return size;
}
