import { constants } from 'node:buffer';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { reportJsonChunks } from '../domain/report-json-chunks.js';
import type { SweepReport } from '../domain/sweep-report.js';
import { parseSweepReport } from '../domain/sweep-report-schema.js';

/**
 * The largest blob read, sized for a 500-host report (249,500 ordered pairs): the tests' 200-host
 * report gzips to ~6 MB, ~155 B per pair, ~40 MB at 500 hosts; a lab sweep's JSON is up to ~1.8
 * times as large. Today the JSON limit below binds first (docs/scale.md).
 */
export const DEFAULT_MAX_BLOB_BYTES = 64 * 1024 * 1024;
/**
 * The most JSON one blob may inflate to: what one JavaScript string holds (JSON.parse needs the
 * whole text as one), at most 512 MiB. A gzip bomb (~1000:1) stops here, or earlier at the size the
 * index row recorded when the report was saved.
 */
export const DEFAULT_MAX_JSON_BYTES = Math.min(512 * 1024 * 1024, constants.MAX_STRING_LENGTH);

export interface ReportBlobLimits {
  maxBlobBytes: number;
  maxJsonBytes: number;
}

export const DEFAULT_REPORT_BLOB_LIMITS: ReportBlobLimits = {
  maxBlobBytes: DEFAULT_MAX_BLOB_BYTES,
  maxJsonBytes: DEFAULT_MAX_JSON_BYTES,
};

/** What the index row says about a report: enough to list sweeps without reading their blobs. */
export interface ReportSummary {
  startedAt: string;
  status: SweepReport['status'];
  durationMs: number;
  hostCount: number;
  pathCount: number;
  verdictCount: number;
  /** Verdicts whose cause is not "ok". */
  pairsNotOk: number;
  jsonBytes: number;
  gzipBytes: number;
}

export interface EncodedReport {
  body: Buffer;
  summary: ReportSummary;
}

export class ReportBlobTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportBlobTooLargeError';
  }
}

export async function encodeReportBlob(
  report: SweepReport,
  limits: ReportBlobLimits = DEFAULT_REPORT_BLOB_LIMITS,
): Promise<EncodedReport> {
  // Only what the reader accepts is written, so one odd value fails this save with its place named
  // instead of making every later read of the history fail.
  parseSweepReport(report, 'the sweep report');
  // The JSON goes into gzip piece by piece: a 200-host report's text is never one string, and the
  // save stops as soon as it passes what the reader would inflate (checked again on read).
  let jsonBytes = 0;
  const utf8 = function* () {
    for (const chunk of reportJsonChunks(report)) {
      const bytes = Buffer.from(chunk, 'utf8');
      jsonBytes += bytes.length;
      if (jsonBytes > limits.maxJsonBytes) {
        throw new ReportBlobTooLargeError(
          `the sweep report is more bytes of JSON than a stored report may inflate to (${limits.maxJsonBytes}); reduce the hosts per config`,
        );
      }
      yield bytes;
    }
  };
  const compressed: Buffer[] = [];
  let gzipBytes = 0;
  // Level 3: as fast as level 1 on report JSON and 20 % larger than the default 6, at a third of its
  // CPU (a 200-host report: 5.5 MB in 0.1 s against 4.5 MB in 0.3 s).
  const gzip = createGzip({ level: 3, chunkSize: 256 * 1024 });
  await pipeline(Readable.from(utf8()), gzip, async (gzipped: AsyncIterable<Buffer>) => {
    for await (const piece of gzipped) {
      gzipBytes += piece.length;
      if (gzipBytes > limits.maxBlobBytes) {
        throw new ReportBlobTooLargeError(
          `the sweep report gzips to more bytes than the report blob limit (${limits.maxBlobBytes}); reduce the hosts per config`,
        );
      }
      compressed.push(piece);
    }
  });
  const body = Buffer.concat(compressed);
  return {
    body,
    summary: {
      startedAt: report.startedAt,
      status: report.status,
      durationMs: report.durationMs,
      hostCount: report.hosts.length,
      pathCount: report.paths.length,
      verdictCount: report.verdicts.length,
      pairsNotOk: report.verdicts.filter((v) => v.cause !== 'ok').length,
      jsonBytes,
      gzipBytes: body.length,
    },
  };
}

/** Why a stored report could not be read: decided by this field, never by the message text. */
export type UnreadableReason =
  | 'missing'
  | 'too-large'
  | 'inflates-too-far'
  | 'not-gzip'
  | 'not-json'
  | 'off-contract';

/** One stored report that cannot be read; the message names the sweep and the reason. */
export class UnreadableReportError extends Error {
  constructor(
    readonly reason: UnreadableReason,
    readonly startedAt: string,
    detail: string,
  ) {
    super(`the stored report of the sweep started ${startedAt} ${detail}`);
    this.name = 'UnreadableReportError';
  }
}

export interface StoredBlob {
  /** The sweep it belongs to (from the index), for errors. */
  startedAt: string;
  body: NodeJS.ReadableStream;
  /** Content-Length as the service sent it. */
  contentLength?: number;
  /** The JSON size the index recorded at save; inflating past it means the blob is not what was saved. */
  jsonBytes?: number;
}

/**
 * The report a blob holds, read as a stream: refused before download past `maxBlobBytes`, and
 * while inflating past the size the index recorded (at most `maxJsonBytes`), so neither a large
 * blob nor a gzip bomb can take the reader's memory. Checked against the report contract.
 */
export async function decodeReportBlob(
  blob: StoredBlob,
  limits: ReportBlobLimits = DEFAULT_REPORT_BLOB_LIMITS,
): Promise<SweepReport> {
  const unreadable = (reason: UnreadableReason, detail: string) =>
    new UnreadableReportError(reason, blob.startedAt, detail);
  const tooLarge = () =>
    unreadable('too-large', `is larger than the report blob limit (${limits.maxBlobBytes} bytes); refused`);
  if (blob.contentLength !== undefined && blob.contentLength > limits.maxBlobBytes) {
    destroy(blob.body);
    throw tooLarge();
  }
  const declared = blob.jsonBytes;
  const maxJson =
    declared !== undefined && Number.isInteger(declared) && declared >= 0
      ? Math.min(declared, limits.maxJsonBytes)
      : limits.maxJsonBytes;
  const inflatesTooFar = () => unreadable('inflates-too-far', `inflates past ${maxJson} bytes; refused`);

  // Our own refusal is kept apart: destroying the download can surface as an AbortError first.
  let refused: UnreadableReportError | null = null;
  const refuse = (error: UnreadableReportError) => {
    refused ??= error;
    return error;
  };
  let zipped = 0;
  const countZipped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      zipped += chunk.length;
      done(zipped > limits.maxBlobBytes ? refuse(tooLarge()) : null, chunk);
    },
  });
  const parts: Buffer[] = [];
  let inflated = 0;
  try {
    await pipeline(blob.body, countZipped, createGunzip(), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        inflated += chunk.length;
        if (inflated > maxJson) throw refuse(inflatesTooFar());
        parts.push(chunk);
      }
    });
  } catch (error) {
    if (refused) throw refused;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw unreadable('not-gzip', `is not valid gzip (${code})`);
    }
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(parts, inflated).toString('utf8'));
  } catch {
    throw unreadable('not-json', 'does not hold JSON');
  }
  try {
    return parseSweepReport(value, 'it');
  } catch (error) {
    throw unreadable('off-contract', `is refused: ${(error as Error).message}`);
  }
}

function destroy(body: NodeJS.ReadableStream): void {
  (body as { destroy?: () => void }).destroy?.();
}
