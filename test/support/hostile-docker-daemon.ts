import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A fake Docker Engine API that speaks just enough of the wire protocol for tunnelwatch's client
 * (ping, container list / inspect, exec create / hijacked start with multiplexed frames / inspect)
 * and misbehaves on purpose, per route. Listens on a unix socket or 127.0.0.1 only. Everything it
 * sends is bounded in bytes and time, so a test whose client fails to stop it still ends.
 */

export interface FakeContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  env?: string[];
  running?: boolean;
}

export interface ExecAnswer {
  stdout: string;
  stderr?: string;
  exitCode: number;
}

export type Misbehaviour =
  /** 200 and a body that never ends (stops at 1 GiB or when the client goes). */
  | 'endless-body'
  /** exec start: the output as a burst of frames with one-byte payloads, in one write. */
  | 'one-byte-frames'
  /** One byte every 50 ms, for up to a minute. */
  | 'trickle'
  /** Reads the request, never answers. */
  | 'black-hole'
  /** exec start: bytes that are not a multiplexed stream (bad stream type). */
  | 'garbage-frames'
  /** exec start: one frame header announcing a ~4 GiB payload, then a trickle. */
  | 'huge-frame'
  /** 500 with a JSON message full of terminal escape sequences. */
  | 'error-with-escapes'
  /** 307 to `redirectTo`. */
  | 'redirect';

export type Route = 'ping' | 'list' | 'inspect' | 'exec-create' | 'exec-start' | 'exec-inspect' | 'copy';

export interface HostileDaemonOptions {
  /** Listen on this unix socket; otherwise on 127.0.0.1 with a free port. */
  socketPath?: string;
  /** Serve HTTPS; with `ca`, client certificates signed by it are required. */
  tls?: { key: string; cert: string; ca?: string };
  containers?: FakeContainer[];
  /** What an exec prints; the default echoes nothing and exits 0. */
  exec?: (argv: string[]) => ExecAnswer;
  misbehave?: Partial<Record<Route, Misbehaviour>>;
  /** Frames in a 'one-byte-frames' burst (default 4000). */
  oneByteFrames?: number;
  redirectTo?: string;
}

export interface HostileDaemon {
  /** `unix:///…` or `tcp://127.0.0.1:PORT`. */
  endpoint: string;
  port: number | null;
  socketPath: string | null;
  /** "METHOD /path" of every request, in arrival order. */
  requests: string[];
  /** Bytes written by the misbehaving routes. */
  bytesSent(): number;
  close(): Promise<void>;
}

const ENDLESS_LIMIT = 1024 ** 3;
const TRICKLE_MS = 50;
const TRICKLE_LIMIT_MS = 60_000;
export const ESCAPES = '\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007\r\u001b[1A';

export async function startHostileDaemon(options: HostileDaemonOptions = {}): Promise<HostileDaemon> {
  const containers = options.containers ?? [];
  const execs = new Map<string, string[]>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let sent = 0;
  let execSeq = 0;

  const misbehaviour = (route: Route) => options.misbehave?.[route];
  const answer = (argv: string[]) => options.exec?.(argv) ?? { stdout: '', exitCode: 0 };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  /** Writes `chunk` until the limit or the peer goes, respecting backpressure. */
  const pump = (out: Duplex | ServerResponse, chunk: Buffer) => {
    let total = 0;
    const more = () => {
      while (total < ENDLESS_LIMIT && !out.destroyed && !out.writableEnded) {
        total += chunk.length;
        sent += chunk.length;
        if (!out.write(chunk)) {
          out.once('drain', more);
          return;
        }
      }
    };
    more();
  };

  const trickle = (out: Duplex | ServerResponse, byte: string) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (out.destroyed || out.writableEnded || Date.now() - started > TRICKLE_LIMIT_MS) {
        clearInterval(timer);
        timers.delete(timer);
        if (!out.destroyed) out.end();
        return;
      }
      sent += 1;
      out.write(byte);
    }, TRICKLE_MS);
    timers.add(timer);
  };

  /** A misbehaviour that replaces a plain HTTP answer; returns false when the route behaves. */
  const misbehave = (route: Route, res: ServerResponse): boolean => {
    switch (misbehaviour(route)) {
      case undefined:
        return false;
      case 'endless-body':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('[');
        pump(res, Buffer.from('{"Id":"0000","Names":["/x"],"Labels":{}},'.repeat(1500)));
        return true;
      case 'trickle':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        trickle(res, ' ');
        return true;
      case 'black-hole':
        return true;
      case 'error-with-escapes':
        json(res, 500, { message: `daemon exploded ${ESCAPES} ${'x'.repeat(2000)}` });
        return true;
      case 'redirect':
        res.writeHead(307, { Location: options.redirectTo ?? 'http://127.0.0.1:9/' });
        res.end();
        return true;
      default:
        return false;
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v[0-9.]+\//, '/');
    requests.push(`${req.method} ${path}`);
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const route = routeOf(req.method ?? 'GET', path);
      if (route && misbehave(route, res)) return;
      if (route === 'ping') {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': '1.41' });
        res.end('OK');
      } else if (route === 'list') {
        const label = labelFilter(url.searchParams.get('filters'));
        json(
          res,
          200,
          containers
            .filter((c) => matchesLabel(c, label))
            .map((c) => ({
              Id: c.id,
              Names: [`/${c.name}`],
              Image: 'agent',
              State: c.running === false ? 'exited' : 'running',
              Labels: c.labels,
            })),
        );
      } else if (route === 'inspect') {
        const c = findContainer(containers, path.split('/')[2]!);
        if (!c) return json(res, 404, { message: 'No such container' });
        json(res, 200, {
          Id: c.id,
          Name: `/${c.name}`,
          State: { Running: c.running !== false },
          Config: { Labels: c.labels, Env: c.env ?? [] },
          NetworkSettings: { Networks: {} },
        });
      } else if (route === 'exec-create') {
        const c = findContainer(containers, path.split('/')[2]!);
        if (!c) return json(res, 404, { message: 'No such container' });
        const id = `exec${++execSeq}`;
        execs.set(id, (JSON.parse(Buffer.concat(body).toString() || '{}') as { Cmd?: string[] }).Cmd ?? []);
        json(res, 201, { Id: id });
      } else if (route === 'copy') {
        // PUT /containers/{id}/archive (the IKE probe program put into the agent): taken, kept nowhere.
        const c = findContainer(containers, path.split('/')[2]!);
        if (!c) return json(res, 404, { message: 'No such container' });
        res.writeHead(200, { 'Api-Version': '1.41' });
        res.end();
      } else if (route === 'exec-inspect') {
        const argv = execs.get(path.split('/')[2]!);
        if (!argv) return json(res, 404, { message: 'No such exec instance' });
        json(res, 200, { ExitCode: answer(argv).exitCode, Running: false });
      } else {
        json(res, 404, { message: `page not found: ${path}` });
      }
    });
  };

  /** POST /exec/{id}/start with Upgrade: tcp — the hijacked, multiplexed output stream. */
  const onUpgrade = (req: IncomingMessage, socket: Duplex) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(/^\/v[0-9.]+\//, '/');
    requests.push(`${req.method} ${path}`);
    const argv = execs.get(path.split('/')[2]!);
    if (routeOf(req.method ?? 'POST', path) !== 'exec-start' || !argv) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const how = misbehaviour('exec-start');
    if (how === 'black-hole') return;
    socket.write(
      'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n',
    );
    const out = answer(argv);
    switch (how) {
      case 'one-byte-frames': {
        const n = options.oneByteFrames ?? 4000;
        const frames = Buffer.alloc(n * 9);
        for (let i = 0; i < n; i++) {
          frames[i * 9] = 1;
          frames.writeUInt32BE(1, i * 9 + 4);
          frames[i * 9 + 8] = 0x61;
        }
        sent += frames.length;
        socket.end(frames);
        return;
      }
      case 'garbage-frames':
        socket.end(
          Buffer.from('\u0007\u0000\u0000\u0000\u0000\u0000\u0000\u0005hello, not a multiplexed stream'),
        );
        return;
      case 'huge-frame': {
        const header = Buffer.alloc(8);
        header[0] = 1;
        header.writeUInt32BE(0xffff_fff0, 4);
        socket.write(header);
        trickle(socket, 'a');
        return;
      }
      case 'endless-body': {
        const payload = Buffer.alloc(64 * 1024, 0x61);
        pump(socket, Buffer.concat([frameHeader(1, payload.length), payload]));
        return;
      }
      case 'trickle':
        socket.write(frameHeader(1, 0xffff));
        trickle(socket, 'a');
        return;
      default:
        socket.write(frame(1, out.stdout));
        if (out.stderr) socket.write(frame(2, out.stderr));
        socket.end();
    }
  };

  const server: Server = options.tls
    ? createHttpsServer({
        key: options.tls.key,
        cert: options.tls.cert,
        ...(options.tls.ca ? { ca: options.tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
      })
    : createHttpServer();
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);
  server.on(options.tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  server.on('clientError', (_e, s: Duplex) => s.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.socketPath) server.listen(options.socketPath, resolve);
    else server.listen(0, '127.0.0.1', resolve);
  });
  const port = options.socketPath ? null : (server.address() as AddressInfo).port;
  return {
    endpoint: options.socketPath ? `unix://${options.socketPath}` : `tcp://127.0.0.1:${port}`,
    port,
    socketPath: options.socketPath ?? null,
    requests,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function routeOf(method: string, path: string): Route | null {
  if (path === '/_ping') return 'ping';
  if (method === 'GET' && path === '/containers/json') return 'list';
  if (method === 'GET' && /^\/containers\/[^/]+\/json$/.test(path)) return 'inspect';
  if (method === 'POST' && /^\/containers\/[^/]+\/exec$/.test(path)) return 'exec-create';
  if (method === 'POST' && /^\/exec\/[^/]+\/start$/.test(path)) return 'exec-start';
  if (method === 'GET' && /^\/exec\/[^/]+\/json$/.test(path)) return 'exec-inspect';
  if (method === 'PUT' && /^\/containers\/[^/]+\/archive$/.test(path)) return 'copy';
  return null;
}

function labelFilter(filters: string | null): string | null {
  if (!filters) return null;
  const parsed = JSON.parse(filters) as { label?: string[] | Record<string, boolean> };
  const label = Array.isArray(parsed.label) ? parsed.label[0] : Object.keys(parsed.label ?? {})[0];
  return label ?? null;
}

function matchesLabel(c: FakeContainer, label: string | null): boolean {
  if (label === null) return true;
  const [key, value] = label.split('=', 2) as [string, string?];
  return key in c.labels && (value === undefined || c.labels[key] === value);
}

function findContainer(containers: FakeContainer[], idOrName: string): FakeContainer | undefined {
  return containers.find((c) => c.id === idOrName || c.id.startsWith(idOrName) || c.name === idOrName);
}

export function frameHeader(stream: 1 | 2, length: number): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(length, 4);
  return header;
}

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([frameHeader(stream, payload.length), payload]);
}

/** A Network Agent as Rancher labels it, with a 64-hex id. */
export function fakeAgent(n: number, overlayIp: string): FakeContainer {
  return {
    id: n.toString(16).padStart(64, 'a'),
    name: `network-agent-${n}`,
    labels: { 'io.rancher.container.system': 'NetworkAgent', 'io.rancher.container.ip': `${overlayIp}/16` },
  };
}
