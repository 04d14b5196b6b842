import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeReportBlob,
  encodeReportBlob,
  ReportBlobTooLargeError,
  UnreadableReportError,
} from '../../../shared/history/report-blob-codec.js';
import { hostProblemsReport, labFaultReport } from '../../support/sweep-report-builder.js';

const AT = new Date('2026-03-02T10:00:00.000Z');
const LIMITS = { maxBlobBytes: 1024 * 1024, maxJsonBytes: 8 * 1024 * 1024 };

/** The body as a network stream delivers it: in small chunks, with no length known up front. */
const streamOf = (bytes: Buffer) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
      bytes.subarray(i * 4096, (i + 1) * 4096),
    ),
  );

const reasonOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'read',
    (error: unknown) => (error instanceof UnreadableReportError ? error.reason : String(error)),
  );

describe('report blobs: one gzipped JSON per sweep, read as a bounded stream', () => {
  it('reads back what it wrote, and summarises it for the index', async () => {
    const report = hostProblemsReport(AT);
    const { body, summary } = await encodeReportBlob(report, LIMITS);
    expect(await decodeReportBlob({ startedAt: report.startedAt, body: streamOf(body) }, LIMITS)).toEqual(
      report,
    );
    expect(summary).toEqual({
      startedAt: report.startedAt,
      status: report.status,
      durationMs: report.durationMs,
      hostCount: report.hosts.length,
      pathCount: report.paths.length,
      verdictCount: report.verdicts.length,
      pairsNotOk: report.verdicts.filter((v) => v.cause !== 'ok').length,
      jsonBytes: Buffer.byteLength(JSON.stringify(report)),
      gzipBytes: body.length,
    });
    expect(summary.pairsNotOk).toBeGreaterThan(0);
  });

  it('refuses to write what it would refuse to read', async () => {
    const report = labFaultReport(AT);
    const json = Buffer.byteLength(JSON.stringify(report));
    await expect(encodeReportBlob(report, { ...LIMITS, maxJsonBytes: json - 1 })).rejects.toThrow(
      ReportBlobTooLargeError,
    );
    await expect(encodeReportBlob(report, { ...LIMITS, maxBlobBytes: 100 })).rejects.toThrow(
      /gzips to more bytes than the report blob limit \(100\)/,
    );
    const broken = { ...report, status: 'fine' } as unknown as typeof report;
    await expect(encodeReportBlob(broken, LIMITS)).rejects.toThrow(
      /the sweep report does not match the report contract at status/,
    );
  });

  it('stops reading a blob that grows past the limit while streaming, when no length was sent', async () => {
    // Random bytes do not compress: valid gzip larger than the blob limit, well within the JSON limit.
    const noise = gzipSync(randomBytes(1536 * 1024));
    expect(await reasonOf(decodeReportBlob({ startedAt: 'x', body: streamOf(noise) }, LIMITS))).toBe(
      'too-large',
    );
  });

  it('stops inflating at the JSON limit, or earlier at the size the index recorded', async () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(LIMITS.maxBlobBytes);
    expect(await reasonOf(decodeReportBlob({ startedAt: 'x', body: streamOf(bomb) }, LIMITS))).toBe(
      'inflates-too-far',
    );

    const report = labFaultReport(AT);
    const { body, summary } = await encodeReportBlob(report, LIMITS);
    const declaredLess = { startedAt: 'x', body: streamOf(body), jsonBytes: summary.jsonBytes - 1 };
    expect(await reasonOf(decodeReportBlob(declaredLess, LIMITS))).toBe('inflates-too-far');
    const declaredExact = { startedAt: 'x', body: streamOf(body), jsonBytes: summary.jsonBytes };
    expect(await reasonOf(decodeReportBlob(declaredExact, LIMITS))).toBe('read');
  });

  it('names the reason for what is not gzip, not JSON, or not a report', async () => {
    const read = (bytes: Buffer) =>
      reasonOf(decodeReportBlob({ startedAt: 'x', body: streamOf(bytes) }, LIMITS));
    expect(await read(Buffer.from('{"plain":"json"}'))).toBe('not-gzip');
    expect(await read(gzipSync('{"truncated"'))).toBe('not-json');
    expect(await read(gzipSync('{"truncated":1}').subarray(0, 12))).toBe('not-gzip');
    expect(await read(gzipSync('{"schemaVersion":1}'))).toBe('off-contract');
  });
});
