// `tunnelwatch serve`'s HTTP server on loopback, requested over real HTTP.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryReportHistoryStore } from '../../shared/history/memory-report-history-store.js';
import { type MatrixServer, startMatrixServer } from '../../shared/serve/matrix-server.js';
import { pageIslands } from '../support/matrix-page-data-decoder.js';
import { labFaultReport } from '../support/sweep-report-builder.js';

let server: MatrixServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A real HTTP GET to the server's address with the Host header a browser would send for `hostHeader`. */
function getWithHost(
  url: string,
  path: string,
  hostHeader: string | null,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path,
        method: 'GET',
        setHost: hostHeader !== null,
        headers: hostHeader ? { host: hostHeader } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('startMatrixServer', () => {
  it('answers only requests naming its own loopback address and port (DNS rebinding)', async () => {
    const report = labFaultReport(new Date());
    server = await startMatrixServer({ getReport: async () => report });
    const own = new URL(server.url).host;
    const ok = await getWithHost(server.url, '/api/report', own);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual(report);
    expect((await getWithHost(server.url, '/api/matrix', `localhost:${server.port}`)).status).toBe(200);
    for (const foreign of [
      `evil.example:${server.port}`,
      'evil.example',
      `127.0.0.1:${server.port + 1}`,
      null,
    ]) {
      const refused = await getWithHost(server.url, '/api/report', foreign);
      // Without any Host, Node's HTTP/1.1 parser answers 400 before the handler runs.
      expect(refused.status, `Host: ${foreign}`).toBe(foreign === null ? 400 : 421);
      expect(refused.body).not.toContain(report.startedAt);
    }
  });

  it('serves the page and the latest report JSON from a store, on 127.0.0.1', async () => {
    const store = new MemoryReportHistoryStore();
    const latest = labFaultReport(new Date(Date.now() - 10_000));
    await store.save(labFaultReport(new Date(Date.now() - 70_000)));
    await store.save(latest);
    server = await startMatrixServer({ store });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const page = await fetch(`${server.url}/api/matrix`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('udp-4500-blocked');
    expect(pageIslands(html).grid.t).toHaveLength(2);

    const json = await fetch(`${server.url}/api/report`);
    expect(json.status).toBe(200);
    expect(await json.json()).toEqual(latest);

    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/api/matrix');
  });

  it('serves whatever getReport returns, and 503 until there is a report', async () => {
    let current: ReturnType<typeof labFaultReport> | null = null;
    server = await startMatrixServer({ getReport: async () => current });
    expect((await fetch(`${server.url}/api/matrix`)).status).toBe(503);
    expect((await fetch(`${server.url}/api/report`)).status).toBe(503);
    current = labFaultReport(new Date());
    expect((await fetch(`${server.url}/api/matrix`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/api/report`)).json()).toEqual(current);
  });

  it('answers only GET and HEAD on known paths', async () => {
    server = await startMatrixServer({ getReport: async () => labFaultReport(new Date()) });
    expect((await fetch(`${server.url}/api/matrix`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/etc/passwd`)).status).toBe(404);
    const head = await fetch(`${server.url}/api/matrix`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await head.text()).toBe('');
  });

  it('reports a failing source as 502 and logs the reason', async () => {
    const logged: string[] = [];
    server = await startMatrixServer({
      getReport: async () => {
        throw new Error('table unreachable');
      },
      log: (m) => logged.push(m),
    });
    const res = await fetch(`${server.url}/api/report`);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({
      error: expect.stringContaining('Could not read the stored sweep report'),
    });
    expect(logged).toEqual(['tunnelwatch serve: /api/report: table unreachable']);
  });

  it('refuses a non-loopback address, naming the fix', async () => {
    await expect(startMatrixServer({ getReport: async () => null, host: '0.0.0.0' })).rejects.toThrow(
      /not a loopback address.*use 127\.0\.0\.1/,
    );
    await expect(startMatrixServer({})).rejects.toThrow(/needs either `store` or `getReport`/);
  });
});
