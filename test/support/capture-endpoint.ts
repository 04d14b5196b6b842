import { once } from 'node:events';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';

/** One Application Insights envelope as posted to /v2.1/track (fields tests look at). */
export interface Envelope {
  name: string;
  time: string;
  iKey?: string;
  tags?: Record<string, string>;
  data: {
    baseType: string;
    baseData: {
      name?: string;
      message?: string;
      severityLevel?: string;
      metrics?: Array<{ name: string; value: number; count?: number; min?: number; max?: number }>;
      properties?: Record<string, string>;
    };
  };
}

export interface CapturedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  /** Bytes on the wire (compressed when the exporter gzipped). */
  bytes: number;
  envelopes: Envelope[];
}

export interface CaptureEndpoint {
  /** http(s)://127.0.0.1:<port>/ */
  url: string;
  /** A connection string whose IngestionEndpoint is this server. */
  connectionString: string;
  requests: CapturedRequest[];
  envelopes(): Envelope[];
  clear(): void;
  close(): Promise<void>;
}

export const TEST_INSTRUMENTATION_KEY = '00000000-0000-4000-8000-000000000001';

/**
 * A local ingestion endpoint: answers POST /v2.1/track like Breeze and keeps the decoded envelopes.
 * Pass `tls` (a self-signed certificate for 127.0.0.1) to test the real HTTPS path with
 * NODE_EXTRA_CA_CERTS.
 */
export async function startCaptureEndpoint(tls?: {
  cert: string | Buffer;
  key: string | Buffer;
}): Promise<CaptureEndpoint> {
  const requests: CapturedRequest[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.method !== 'POST' || !req.url?.startsWith('/v2.1/track')) {
        res.writeHead(404).end();
        return;
      }
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      let envelopes: Envelope[];
      try {
        const parsed = JSON.parse(text) as Envelope | Envelope[];
        envelopes = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        res.writeHead(400).end();
        return;
      }
      requests.push({ path: req.url, headers: req.headers, bytes: raw.length, envelopes });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] }),
      );
    });
  };
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  return {
    url,
    connectionString: `InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=${url}`,
    requests,
    envelopes: () => requests.flatMap((r) => r.envelopes),
    clear: () => {
      requests.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The exporter upgrades http:// ingestion endpoints to https://; this client turns them back
 * into plain http so a test can capture without TLS.
 */
export function plainHttpClient(): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request) {
      request.url = request.url.replace(/^https:/, 'http:');
      request.allowInsecureConnection = true;
      return inner.sendRequest(request);
    },
  };
}
