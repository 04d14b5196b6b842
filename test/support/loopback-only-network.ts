import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

type RequestFn = typeof http.request;

function hostOf(args: unknown[]): string {
  const [first, second] = args;
  if (typeof first === 'string' || first instanceof URL) return new URL(first).hostname;
  const options = (first ?? second ?? {}) as { hostname?: string; host?: string; socketPath?: string };
  // A unix socket (e.g. a lab dockerd's) never leaves the machine.
  if (options.socketPath) return 'localhost';
  return String(options.hostname ?? options.host ?? 'localhost').replace(/:\d+$/, '');
}

/** A request that fails asynchronously, like an unreachable host, without touching the network. */
function refusedRequest(host: string): http.ClientRequest {
  const request = new EventEmitter() as EventEmitter & Record<string, unknown>;
  for (const method of ['end', 'write', 'abort', 'setHeader', 'setNoDelay', 'setSocketKeepAlive'])
    request[method] = () => request;
  request.setTimeout = () => request;
  request.destroy = () => request;
  process.nextTick(() =>
    request.emit(
      'error',
      Object.assign(new Error(`refused by test guard: ${host}`), { code: 'ECONNREFUSED' }),
    ),
  );
  return request as unknown as http.ClientRequest;
}

/**
 * Tests may only talk to loopback. The Azure Monitor distro would probe the Azure VM metadata service
 * (169.254.169.254) at start-up; startAzureMonitor turns that lookup off, and this guard turns any
 * non-loopback request into an immediate connection error and lists it, so a test can assert that
 * nothing tried to leave the machine.
 */
export function guardLoopbackOnly(): { blocked: string[]; restore(): void } {
  const blocked: string[] = [];
  const originals = {
    httpRequest: http.request,
    httpGet: http.get,
    httpsRequest: https.request,
    httpsGet: https.get,
  };
  const wrap = (original: RequestFn): RequestFn =>
    ((...args: unknown[]) => {
      const host = hostOf(args);
      if (!LOOPBACK.has(host)) {
        blocked.push(host);
        return refusedRequest(host);
      }
      return (original as (...a: unknown[]) => http.ClientRequest)(...args);
    }) as RequestFn;
  http.request = wrap(originals.httpRequest);
  http.get = wrap(originals.httpGet);
  https.request = wrap(originals.httpsRequest);
  https.get = wrap(originals.httpsGet);
  syncBuiltinESMExports();
  return {
    blocked,
    restore() {
      http.request = originals.httpRequest;
      http.get = originals.httpGet;
      https.request = originals.httpsRequest;
      https.get = originals.httpsGet;
      syncBuiltinESMExports();
    },
  };
}
