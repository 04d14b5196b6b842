import { createServer, type Server } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeIdleConnections,
  dockerConnectionAgent,
} from '../../../shared/transport/docker-connection-agent.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('the connection agent as debug output sees it', () => {
  it('describes itself in one line, not its sockets, whatever it holds', async () => {
    const server = createServer((socket) => socket.end());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const agent = dockerConnectionAgent(
      {
        scheme: 'tcp',
        host: '127.0.0.1',
        port,
        tls: null,
        connectTimeoutMs: 1000,
      },
      '127.0.0.1:2376',
      1024,
      null,
    );
    // A socket in use, as during a request (docker-modem inspects the request's options then).
    const socket = (
      agent as unknown as { createConnection: (o: object) => { destroy(): void } }
    ).createConnection({});
    (agent.sockets as Record<string, unknown[]>)['127.0.0.1:2376:'] = [socket];
    // How docker-modem prints request options, agent included.
    const text = inspect({ agent }, { showHidden: true, depth: null });
    expect(text).toContain('[Docker connection agent 127.0.0.1:2376]');
    expect(text.length).toBeLessThan(200);
    expect(text).not.toMatch(/Socket|_handle|freeSockets/);
    socket.destroy();
    closeIdleConnections(agent);
  });
});
