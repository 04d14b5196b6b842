import type { Socket } from 'node:net';
import { TransportError } from './docker-host-client.js';

/**
 * Destroys `socket` with an `unreachable` TransportError when its TCP connection is not up within
 * `ms`: a black-holed endpoint (SYNs dropped) would otherwise hold the call until the kernel gives
 * up (minutes) or the call's whole deadline passes. The TLS handshake and the answer are not timed
 * here; the call's deadline covers them. `where` names the endpoint, never key material.
 */
export function withConnectTimeout<S extends Socket>(socket: S, ms: number, where: string): S {
  const timer = setTimeout(() => {
    socket.destroy(
      new TransportError(
        'unreachable',
        `${where}: connect timeout: no TCP connection within ${ms} ms (sweep.connectTimeoutMs)`,
      ),
    );
  }, ms);
  const clear = () => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
  return socket;
}
