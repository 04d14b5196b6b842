// A loopback TCP endpoint that drops SYNs, like a host behind a firewall that silently discards
// packets: a child process listens on 127.0.0.1 with a backlog of one and then blocks its event loop
// forever, so it never accepts; once the kernel's accept queue is full (a couple of handshakes we
// complete ourselves), every further SYN is dropped and a connect just hangs. No iptables, no root.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

const LISTENER = `
const server = require('node:net').createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + '\\n');
  // Blocks the event loop: libuv never gets to accept().
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;
// How long a filler connection may take before we call the accept queue full (its SYN was dropped).
const FILL_WAIT_MS = 500;
// Linux queues backlog + 1 handshakes; a few more attempts than that are plenty.
const MAX_FILLERS = 8;

export interface BlackHoleEndpoint {
  port: number;
  close(): Promise<void>;
}

export async function startBlackHoleEndpoint(): Promise<BlackHoleEndpoint> {
  const child: ChildProcess = spawn(process.execPath, ['-e', LISTENER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`black-hole listener exited (${code})`)));
  });
  const fillers: Socket[] = [];
  for (let i = 0; i < MAX_FILLERS; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    fillers.push(socket);
    const connected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), FILL_WAIT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  if (fillers.every((s) => !s.connecting)) throw new Error('the accept queue never filled: not a black hole');
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
