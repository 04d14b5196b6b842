/** A Docker endpoint URL taken apart: unix socket, tcp (TLS or explicitly insecure) or ssh. */
export type DockerEndpoint =
  | { scheme: 'unix'; socketPath: string }
  | { scheme: 'tcp'; host: string; port: number }
  | { scheme: 'ssh'; host: string; port: number; username: string | null };

// DNS names or dotted quads; nothing that could smuggle a path or option into a connection string.
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** Returns the endpoint, or a sentence saying what is wrong (no input echoed beyond the scheme). */
export function parseDockerEndpoint(text: string): DockerEndpoint | string {
  const scheme = /^([a-z]+):\/\//.exec(text)?.[1];
  if (scheme === 'unix') {
    const socketPath = text.slice('unix://'.length);
    if (!socketPath.startsWith('/'))
      return 'unix endpoints need an absolute socket path, e.g. unix:///var/run/docker.sock';
    return { scheme: 'unix', socketPath };
  }
  if (scheme === 'tcp' || scheme === 'ssh') {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return `not a valid ${scheme} URL; expected ${scheme}://HOST:PORT`;
    }
    if (url.password) return 'passwords in the endpoint are not supported; use "tls" or "ssh" key settings';
    if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
      return `expected ${scheme}://HOST:PORT with nothing after the port`;
    }
    if (!HOST.test(url.hostname)) return `"${scheme}://" needs a host name or IPv4 address`;
    const defaultPort = scheme === 'tcp' ? 2376 : 22;
    const port = url.port === '' ? defaultPort : Number(url.port);
    if (scheme === 'tcp') {
      if (url.username) return 'tcp endpoints take no user name';
      return { scheme, host: url.hostname, port };
    }
    return {
      scheme,
      host: url.hostname,
      port,
      username: url.username ? decodeURIComponent(url.username) : null,
    };
  }
  return 'expected unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST:PORT';
}
