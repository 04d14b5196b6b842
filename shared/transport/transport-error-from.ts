import { TransportError, type TransportErrorKind } from './docker-host-client.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EACCES',
]);

/**
 * Turns whatever dockerode / docker-modem / ssh2 threw into a TransportError. The message is
 * composed from the error code and the daemon's JSON message only: raw library messages can quote
 * request options, which carry key material.
 */
export function transportErrorFrom(e: unknown, what: string): TransportError {
  if (e instanceof TransportError) return e;
  const err = (e ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    json?: { message?: unknown } | null;
    reason?: unknown;
    level?: unknown;
    name?: unknown;
    message?: unknown;
  };
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (typeof err.statusCode === 'number') {
    const status = err.statusCode;
    const daemonSays =
      typeof err.json?.message === 'string'
        ? err.json.message
        : typeof err.reason === 'string'
          ? err.reason
          : '';
    const kind: TransportErrorKind = status === 404 ? 'not-found' : status === 409 ? 'conflict' : 'protocol';
    return new TransportError(
      kind,
      `${what}: Docker API answered ${status}${daemonSays ? ` (${oneLine(daemonSays)})` : ''}`,
      status,
    );
  }
  if (
    code &&
    (code.startsWith('ERR_TLS') ||
      code.startsWith('ERR_SSL') ||
      code.includes('CERT') ||
      code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
      code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
  ) {
    return new TransportError('tls', `${what}: TLS handshake failed (${code})`);
  }
  if (code && UNREACHABLE.has(code))
    return new TransportError('unreachable', `${what}: Docker endpoint unreachable (${code})`);
  if (err.level === 'client-authentication')
    return new TransportError('auth', `${what}: ssh authentication failed`);
  if (err.level === 'client-socket' || err.level === 'client-timeout') {
    return new TransportError('unreachable', `${what}: ssh connection failed${code ? ` (${code})` : ''}`);
  }
  if (err.name === 'AbortError') return new TransportError('aborted', `${what}: cancelled`);
  return new TransportError('protocol', `${what}: Docker API call failed${code ? ` (${code})` : ''}`);
}

/** Daemon text is untrusted: one line, bounded, control characters (terminal escapes) shown as \uXXXX. */
function oneLine(text: string): string {
  return (
    text
      .slice(0, 300)
      .replace(/\s+/g, ' ')
      .trim()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  );
}
