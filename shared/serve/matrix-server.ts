import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { printableText } from '../domain/printable-text.js';
import type { SweepReport } from '../domain/sweep-report.js';
import {
  type EnvironmentSources,
  type MatrixRouteOptions,
  matrixRoute,
  type ReportSource,
  type RouteResponse,
  reportRoute,
  requestedEnvironment,
  storeFailureResponse,
} from './matrix-routes.js';

export interface MatrixServerOptions extends MatrixRouteOptions {
  /** Where reports come from: a history store, or a function returning the latest report. */
  store?: ReportSource;
  /** Each environment's history (`?environment=NAME`); wins over `store`. */
  sources?: EnvironmentSources;
  getReport?: () => Promise<SweepReport | null>;
  /** Default 127.0.0.1. The page has no authentication, so only loopback is accepted by default. */
  host?: string;
  /** 0 (default) picks a free port; read it from the result. */
  port?: number;
  /** Where request failures are reported. Default: stderr. */
  log?: (message: string) => void;
}

export interface MatrixServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves GET /api/matrix and GET /api/report (and / → /api/matrix) for `tunnelwatch serve`. */
export async function startMatrixServer(options: MatrixServerOptions): Promise<MatrixServer> {
  const source = reportSource(options);
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new Error(
      `serve host "${host}" is not a loopback address: the matrix page has no authentication; use 127.0.0.1 (or ::1) and a proxy that authenticates`,
    );
  }
  // The request URL is the client's text and errors may quote a store's: printed escaped.
  const log = options.log ?? ((message: string) => process.stderr.write(`${printableText(message)}\n`));

  // Known once listening (port 0 picks one); requests cannot arrive before.
  let ownHosts = new Set<string>();
  const server = createServer((req, res) => {
    if (ownHosts.size > 0 && !ownHosts.has((req.headers.host ?? '').toLowerCase())) {
      send(res, req, misdirected());
      return;
    }
    handle(req, source, options)
      .then((response) => send(res, req, response))
      .catch((error: unknown) => {
        log(`tunnelwatch serve: ${req.url}: ${error instanceof Error ? error.message : String(error)}`);
        send(res, req, storeFailureResponse(error, req.url?.startsWith('/api/report') ?? false));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  // DNS rebinding: a page from evil.example whose name now resolves to 127.0.0.1 can reach this
  // port from the user's browser, but its requests carry Host: evil.example. On loopback only the
  // address itself (and localhost, which no outside DNS answer can rebind) names this server.
  if (isLoopback(host))
    ownHosts = new Set([`${urlHost}:${port}`, `localhost:${port}`].map((h) => h.toLowerCase()));
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  source: EnvironmentSources,
  options: MatrixRouteOptions,
): Promise<RouteResponse> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return {
      status: 405,
      headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
      body: 'Only GET and HEAD.\n',
    };
  }
  if (path === '/') return { status: 302, headers: { location: '/api/matrix' }, body: '' };
  if (path === '/api/matrix' || path === '/api/report') {
    const json = path === '/api/report';
    const environment = requestedEnvironment(url.searchParams.get('environment'), json);
    if (typeof environment !== 'string') return environment;
    const from = source(environment);
    return json ? reportRoute(from) : matrixRoute(from, options);
  }
  return {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'Not found: try /api/matrix or /api/report.\n',
  };
}

function misdirected(): RouteResponse {
  return {
    status: 421,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'Misdirected request: this server answers only to its own loopback address and port.\n',
  };
}

function send(res: ServerResponse, req: IncomingMessage, response: RouteResponse): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function reportSource(options: MatrixServerOptions): EnvironmentSources {
  if (options.sources) return options.sources;
  const store = options.store;
  if (store) return () => store;
  const getReport = options.getReport;
  if (!getReport) throw new Error('startMatrixServer needs either `store` or `getReport`');
  const only: ReportSource = {
    latest: getReport,
    recent: async () => {
      const latest = await getReport();
      return latest ? [latest] : [];
    },
  };
  return () => only;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
