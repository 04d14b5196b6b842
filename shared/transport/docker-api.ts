import type { Agent } from 'node:http';
import { createRequire } from 'node:module';
import Docker from 'dockerode';

/**
 * A dockerode instance whose modem is built field by field instead of by docker-modem's
 * constructor, which reads DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_PATH_PREFIX,
 * DOCKER_CLIENT_TIMEOUT and SSH_AUTH_SOCK and lets them override (even throw over) the endpoint
 * the config names. Here the config alone decides: every request goes through `agent`, which
 * connects to the configured endpoint and nothing else.
 *
 * Two process-wide settings of docker-modem are also pinned, once: its redirect following (a 3xx
 * Location would send a request to any address, outside the agent) is switched off, and its
 * `modem` debug namespace is excluded, since with DEBUG=modem or DEBUG=* it prints every request's
 * options and every response body (container environments included).
 */
export function dockerApi(agent: Agent, host: string, port: number | null): Docker {
  pinModemSettings();
  const modem = Object.create(modemClass().prototype) as Record<string, unknown>;
  Object.assign(modem, {
    // Only names the request URL and Host header: `agent` decides where the bytes go.
    host,
    port: port ?? undefined,
    protocol: 'http',
    pathPrefix: '/',
    socketPath: undefined,
    version: undefined,
    key: undefined,
    cert: undefined,
    ca: undefined,
    timeout: undefined,
    connectionTimeout: undefined,
    checkServerIdentity: undefined,
    username: undefined,
    password: undefined,
    agent,
    headers: {},
    sshOptions: {},
  });
  return new Docker({ modem } as Docker.DockerOptions);
}

const requireFromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'));
const modemPath = requireFromDockerode.resolve('docker-modem');
const requireFromModem = createRequire(modemPath);

function modemClass(): { prototype: object } {
  return requireFromDockerode('docker-modem') as { prototype: object };
}

let pinned = false;

function pinModemSettings(): void {
  if (pinned) return;
  pinned = true;
  const redirects = requireFromModem('./http') as { maxRedirects: number };
  redirects.maxRedirects = 0;
  const debug = requireFromModem('debug') as {
    enabled: (name: string) => boolean;
    enable: (namespaces: string) => void;
    namespaces?: string;
  };
  if (debug.enabled('modem')) debug.enable(`${debug.namespaces ?? ''},-modem`);
}
