import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerodeHostClient } from '../../../shared/transport/dockerode-host-client.js';

// A stand-in Docker daemon on a unix socket that has no images: enough to see what ensureImage sends.
const dir = mkdtempSync(join(tmpdir(), 'tw-ensure-image-'));
const socketPath = join(dir, 'docker.sock');
const requests: { method: string; url: string; bytes: number; contentType: string }[] = [];
let imported = false;
let importFails = false;
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        bytes,
        contentType: req.headers['content-type'] ?? '',
      });
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url?.includes('/images/')) {
        res.statusCode = imported ? 200 : 404;
        res.end(imported ? '{"Id":"sha256:1"}' : '{"message":"No such image"}');
      } else if (req.method === 'POST' && req.url?.includes('/images/create') && importFails) {
        res.end('not json at all\n{"error":"no space left on device"}\n');
      } else if (req.method === 'POST' && req.url?.includes('/images/create')) {
        imported = true;
        res.end('{"status":"sha256:1"}\n');
      } else {
        res.statusCode = 500;
        res.end('{"message":"unexpected"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('DockerodeHostClient.ensureImage', () => {
  const client = new DockerodeHostClient({ scheme: 'unix', socketPath });

  it('reports a failed import from its progress stream, lines that are not JSON included', async () => {
    // docker-modem's followProgress threw out of its data handler on the first non-JSON line.
    importFails = true;
    try {
      await expect(
        client.ensureImage('tunnelwatch/ike-probe:1', () => new Uint8Array(16).fill(1), { deadlineMs: 2000 }),
      ).rejects.toMatchObject({
        kind: 'protocol',
        message: expect.stringContaining('no space left on device'),
      });
    } finally {
      importFails = false;
    }
  });

  it('imports the tarball when the image is missing, and only then', async () => {
    requests.length = 0;
    let built = 0;
    const tar = () => {
      built++;
      return new Uint8Array(2048).fill(1);
    };
    await client.ensureImage('tunnelwatch/ike-probe:1', tar, { deadlineMs: 2000 });
    expect(requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)).toEqual([
      'GET /images/tunnelwatch/ike-probe:1/json',
      'POST /images/create',
      'GET /images/tunnelwatch/ike-probe:1/json',
    ]);
    expect(requests[1]!.url).toContain('repo=tunnelwatch%2Fike-probe');
    expect(requests[1]!.bytes).toBe(2048);
    expect(requests[1]!.contentType).toBe('application/tar');
    requests.length = 0;
    await client.ensureImage('tunnelwatch/ike-probe:1', tar, { deadlineMs: 2000 });
    expect(requests.map((r) => r.method)).toEqual(['GET']);
    // The tarball is built only for the host that lacked the image.
    expect(built).toBe(1);
  });
});
