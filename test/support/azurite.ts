import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const azuriteBin = (service: AzuriteService) =>
  fileURLToPath(new URL(`../../node_modules/.bin/azurite-${service}`, import.meta.url));

type AzuriteService = 'table' | 'blob' | 'queue';

/** Azurite's published development account (documented, not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  port: number;
  connectionString: string;
  /** Stops the process (by its PID, gracefully) and waits for it to exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

export interface AzuriteOptions {
  location?: string;
  port?: number;
}

/**
 * Starts azurite-table on loopback. In memory by default; pass `location` (a directory) to keep
 * the data on disk so a restart on the same port finds it again.
 */
export function startAzuriteTable(options: AzuriteOptions = {}): Promise<Azurite> {
  return startAzurite('table', 'TableEndpoint', options);
}

/** Starts azurite-blob on loopback, the same way (its connection string names only BlobEndpoint). */
export function startAzuriteBlob(options: AzuriteOptions = {}): Promise<Azurite> {
  return startAzurite('blob', 'BlobEndpoint', options);
}

async function startAzurite(
  service: AzuriteService,
  endpointKey: 'TableEndpoint' | 'BlobEndpoint' | 'QueueEndpoint',
  options: AzuriteOptions,
): Promise<Azurite> {
  const port = options.port ?? (await freePort());
  const args = [
    `--${service}Host`,
    '127.0.0.1',
    `--${service}Port`,
    String(port),
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--silent',
  ];
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  const child: ChildProcess = spawn(azuriteBin(service), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`azurite-${service} not ready after 20 s: ${output.slice(-500)}`)),
      20_000,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/successfully (started|listening|listens)/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite-${service} exited with ${code}: ${output.slice(-500)}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    throw error;
  }
  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};${endpointKey}=http://127.0.0.1:${port}/${ACCOUNT};`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      const exited = once(child, 'exit');
      // SIGINT is Azurite's graceful close: it saves the on-disk database; SIGTERM would lose it.
      process.kill(child.pid, 'SIGINT');
      const timer = setTimeout(
        () => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'),
        5_000,
      );
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Starts azurite-queue on loopback, the same way (its connection string names only QueueEndpoint). */
export function startAzuriteQueue(options: AzuriteOptions = {}): Promise<Azurite> {
  return startAzurite('queue', 'QueueEndpoint', options);
}
