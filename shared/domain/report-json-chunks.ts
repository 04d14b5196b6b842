import type { SweepReport } from './sweep-report.js';

/** Array elements serialised per call: about 100 KB of JSON, a piece of the output. */
const ELEMENTS_PER_PIECE = 256;

/**
 * The report as JSON text in pieces, the same text `JSON.stringify(report, null, indent)` gives. A
 * 200-host report is 100–150 million characters: written or gzipped piece by piece it is never one
 * string (twice its length in memory once an evidence arrow makes it UTF-16), and never past the
 * longest string V8 can hold.
 */
export function* reportJsonChunks(report: SweepReport, indent: 0 | 2 = 0): Generator<string> {
  const nl = indent === 0 ? '' : '\n';
  const pad = indent === 0 ? '' : '  ';
  let first = true;
  let head = '{';
  for (const [key, value] of Object.entries(report)) {
    // What JSON.stringify leaves out of an object.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    head += first ? nl : `,${nl}`;
    first = false;
    if (!Array.isArray(value) || value.length === 0) {
      // The field alone in an object of its own: JSON.stringify indents it as at depth 1.
      head += JSON.stringify({ [key]: value }, null, indent).slice(1 + nl.length, -(1 + nl.length));
      continue;
    }
    // The elements in runs, each run as the only field's array of an object: JSON.stringify indents
    // them as at depth 2, and what lies between the brackets is that run's text.
    // Where the run starts and ends in that text (the key may hold any character, so counted).
    const open = `{${nl}${pad}${JSON.stringify(key)}:${indent === 0 ? '' : ' '}[`.length;
    const tail = `${nl}${pad}]${nl}}`.length;
    for (let i = 0; i < value.length; i += ELEMENTS_PER_PIECE) {
      const text = JSON.stringify({ [key]: value.slice(i, i + ELEMENTS_PER_PIECE) }, null, indent);
      // The run goes out as it is, a slice of the stringified text (no copy), and what comes before it
      // as a piece of its own: joined, every run would be copied once more, a whole report per save.
      yield i === 0 ? `${head}${text.slice(1 + nl.length, open)}` : ',';
      yield text.slice(open, text.length - tail);
      head = '';
    }
    head += `${nl}${pad}]`;
  }
  yield `${head}${first ? '' : nl}}`;
}

/**
 * The report as compact JSON and a newline, in UTF-8: each piece converted on its own, so the text is
 * never one string (what an HTTP answer sends; a 200-host report is about 100 MB of bytes).
 */
export function reportJsonBytes(report: SweepReport): Buffer {
  const parts: Buffer[] = [];
  for (const piece of reportJsonChunks(report)) parts.push(Buffer.from(piece));
  parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}
