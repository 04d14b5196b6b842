import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../shared/domain/sweep-report.js';
import { createTelemetrySink, type TelemetrySink } from '../../shared/telemetry/telemetry-sink.js';
import { type CaptureEndpoint, plainHttpClient, startCaptureEndpoint } from '../support/capture-endpoint.js';
import { guardLoopbackOnly } from '../support/loopback-only-network.js';
import { bothWays, buildReport } from '../support/sweep-report-builder.js';

// Measures what one sweep costs in envelopes and bytes through the real exporter; the figures
// printed here are the ones in docs/telemetry.md.

let guard: ReturnType<typeof guardLoopbackOnly>;
let endpoint: CaptureEndpoint;
let sink: TelemetrySink;

beforeAll(async () => {
  guard = guardLoopbackOnly();
  endpoint = await startCaptureEndpoint();
  sink = createTelemetrySink({
    connectionString: endpoint.connectionString,
    httpClient: plainHttpClient(),
    offlineStorage: false,
  });
});
afterAll(async () => {
  await sink?.shutdown();
  await endpoint?.close();
  guard?.restore();
});

interface Volume {
  records: number;
  envelopes: number;
  bytes: number;
  gzipBytes: number;
}

async function measure(report: SweepReport): Promise<Volume> {
  endpoint.clear();
  const records = sink.record(report).length;
  await sink.flush();
  const envelopes = endpoint.envelopes();
  return {
    records,
    envelopes: envelopes.length,
    bytes: endpoint.requests.reduce((sum, r) => sum + r.bytes, 0),
    gzipBytes: endpoint.requests.reduce((sum, r) => sum + gzipSync(JSON.stringify(r.envelopes)).length, 0),
  };
}

let minute = 0;
const startedAt = () => new Date(Date.UTC(2025, 0, 1, 13, ++minute)).toISOString();
/** Host 1 cannot reach anyone on UDP 4500: N-1 broken pairs. */
const oneHostBroken = (hosts: number) =>
  buildReport({
    hosts,
    startedAt: startedAt(),
    faults: Object.assign(
      {},
      ...Array.from({ length: hosts - 1 }, (_, i) => bothWays('h1', `h${i + 2}`, 'udp-4500-blocked')),
    ),
  });

describe('telemetry volume per sweep', () => {
  it('grows linearly with N when healthy, and faults add per-pair detail only for broken paths', async () => {
    const rows: string[] = [
      '| hosts | state | records | envelopes | bytes (JSON) | bytes (gzip) |',
      '|---|---|---|---|---|---|',
    ];
    const healthy = new Map<number, Volume>();
    for (const hosts of [3, 10, 50]) {
      const ok = await measure(buildReport({ hosts, startedAt: startedAt() }));
      const broken = await measure(oneHostBroken(hosts));
      healthy.set(hosts, ok);
      for (const [state, v] of [
        ['healthy', ok],
        ['1 host UDP 4500 blocked', broken],
      ] as const) {
        expect(v.envelopes).toBe(v.records);
        rows.push(`| ${hosts} | ${state} | ${v.records} | ${v.envelopes} | ${v.bytes} | ${v.gzipBytes} |`);
      }
      expect(ok.records).toBe(12 * hosts + 5);
      // Broken paths: 2(N-1) directions x 4 detail series (+ events: 2(N-1) verdict changes).
      expect(broken.records).toBeLessThanOrEqual(ok.records + 2 * (hosts - 1) * 5);
    }
    console.log(`\n${rows.join('\n')}\n`);
    const ratio = healthy.get(50)!.bytes / healthy.get(10)!.bytes;
    expect(ratio).toBeLessThan(5 * 1.2); // linear in N, not N²
    expect(guard.blocked).toEqual([]);
  });
});
