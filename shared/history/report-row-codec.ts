import { gunzipSync, gzipSync } from 'node:zlib';
import type { SweepReport } from '../domain/sweep-report.js';
import { parseSweepReport } from '../domain/sweep-report-schema.js';

/**
 * How one report fits in one Table Storage row: the JSON, gzipped, split across binary properties
 * of at most 64 KiB (the per-property limit), within the 1 MiB entity limit. A 50-host report
 * (~3 MB of JSON) gzips to ~230 KB, 4 chunks.
 */
export const CHUNK_BYTES = 64 * 1024;
/**
 * Binary travels base64-encoded (4/3 larger) and the 1 MiB entity limit applies to that (Azurite
 * rejects 12 chunks with EntityTooLarge): 11 chunks, 704 KiB gzipped, roughly an 80-host mesh.
 */
export const MAX_CHUNKS = 11;
const CHUNK_PREFIX = 'c';
/**
 * The most JSON one row may inflate to: about four times the largest mesh a row holds (80 hosts,
 * ~8 MB), so a legitimate report always fits and a crafted row (gzip inflates ~1000:1) cannot
 * take the reader's memory.
 */
export const MAX_REPORT_JSON_BYTES = 32 * 1024 * 1024;

export interface ReportRow {
  startedAt: string;
  status: string;
  durationMs: number;
  hostCount: number;
  pathCount: number;
  encoding: 'gzip-json';
  jsonBytes: number;
  chunks: number;
  [chunk: `c${number}`]: Uint8Array;
}

export class ReportTooLargeError extends Error {
  constructor(bytes: number, what: 'gzipped' | 'of JSON') {
    super(
      what === 'gzipped'
        ? `the sweep report is ${bytes} bytes gzipped, more than one Table Storage row holds ` +
            `(${MAX_CHUNKS} × 64 KiB); reduce the hosts per config or store fewer probes`
        : `the sweep report is ${bytes} bytes of JSON, more than a stored row may inflate to ` +
            `(${MAX_REPORT_JSON_BYTES}); reduce the hosts per config or store fewer probes`,
    );
    this.name = 'ReportTooLargeError';
  }
}

export function encodeReportRow(report: SweepReport): ReportRow {
  // Only what the decoder accepts is written, so one odd value (a host's absurd byte count) fails
  // this save with its place named instead of making every later read of the history fail.
  parseSweepReport(report, 'the sweep report');
  const json = Buffer.from(JSON.stringify(report), 'utf8');
  // What is written must read back: the decoder refuses more than this.
  if (json.length > MAX_REPORT_JSON_BYTES) throw new ReportTooLargeError(json.length, 'of JSON');
  const zipped = gzipSync(json);
  const chunks = Math.ceil(zipped.length / CHUNK_BYTES);
  if (chunks > MAX_CHUNKS) throw new ReportTooLargeError(zipped.length, 'gzipped');
  const row: ReportRow = {
    startedAt: report.startedAt,
    status: report.status,
    durationMs: report.durationMs,
    hostCount: report.hosts.length,
    pathCount: report.paths.length,
    encoding: 'gzip-json',
    jsonBytes: json.length,
    chunks,
  };
  for (let i = 0; i < chunks; i++) {
    row[`${CHUNK_PREFIX}${i}`] = new Uint8Array(zipped.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES));
  }
  return row;
}

/**
 * The report a row holds, checked against the report contract: rows come from outside the process,
 * so this is where they are validated, once. Refuses a row that inflates past
 * MAX_REPORT_JSON_BYTES before it is held in memory.
 */
export function decodeReportRow(row: Record<string, unknown>): SweepReport {
  const chunks = Number(row.chunks);
  if (row.encoding !== 'gzip-json' || !Number.isInteger(chunks) || chunks < 1 || chunks > MAX_CHUNKS) {
    throw new Error(
      `stored report row has an unknown encoding (${String(row.encoding)}, ${String(row.chunks)} chunks)`,
    );
  }
  const parts: Buffer[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = row[`${CHUNK_PREFIX}${i}`];
    if (!(part instanceof Uint8Array)) throw new Error(`stored report row lacks chunk ${i} of ${chunks}`);
    parts.push(Buffer.from(part));
  }
  let json: Buffer;
  try {
    json = gunzipSync(Buffer.concat(parts), { maxOutputLength: MAX_REPORT_JSON_BYTES });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`stored report row inflates past ${MAX_REPORT_JSON_BYTES} bytes; refused`);
    }
    throw new Error(
      `stored report row is not valid gzip (${(error as { code?: string }).code ?? 'unreadable'})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    throw new Error('stored report row does not hold JSON');
  }
  return parseSweepReport(value);
}
