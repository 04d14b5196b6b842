import type { SweepReport } from '../domain/sweep-report.js';

/** The `--json` output: exactly one JSON document, newline-terminated. */
export function renderReportJson(report: SweepReport): string {
  return [...reportJsonChunks(report, 2), '\n'].join('');
}

/**
 * The report as JSON text in pieces of about `CHUNK_CHARS`, the same text `JSON.stringify(report,
 * null, indent)` gives. A 200-host report is 100–150 million characters: written or gzipped piece by
 * piece it is never one string (twice its length in memory once an evidence arrow makes it UTF-16),
 * and never past the longest string V8 can hold.
 */
export function* reportJsonChunks(report: SweepReport, indent: 0 | 2 = 0): Generator<string> {
  const nl = indent === 0 ? '' : '\n';
  const pad = (depth: number) => ' '.repeat(indent * depth);
  // JSON strings never hold a raw newline, so re-indenting a nested value is one replace.
  const nested = (value: unknown, depth: number) => {
    // undefined for what JSON has no text for; only an array element gets here with one, and is null.
    const text = JSON.stringify(value, null, indent) ?? 'null';
    return indent === 0 ? text : text.replaceAll('\n', `\n${pad(depth)}`);
  };
  const colon = indent === 0 ? ':' : ': ';
  let buffer = `{`;
  let firstKey = true;
  for (const [key, value] of Object.entries(report)) {
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    buffer += `${firstKey ? '' : ','}${nl}${pad(1)}${JSON.stringify(key)}${colon}`;
    firstKey = false;
    if (!Array.isArray(value) || value.length === 0) {
      buffer += nested(value, 1);
      continue;
    }
    buffer += '[';
    for (let i = 0; i < value.length; i++) {
      buffer += `${i === 0 ? '' : ','}${nl}${pad(2)}${nested(value[i], 2)}`;
      if (buffer.length >= CHUNK_CHARS) {
        yield buffer;
        buffer = '';
      }
    }
    buffer += `${nl}${pad(1)}]`;
  }
  buffer += firstKey ? '}' : `${nl}}`;
  yield buffer;
}

const CHUNK_CHARS = 64 * 1024;
