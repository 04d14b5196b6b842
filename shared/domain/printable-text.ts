/**
 * The one sanitiser for host-supplied text that gets printed: a terminal, a log viewer or a browser
 * must show it, never obey it. Control characters (C0, DEL, C1: terminal escapes start with ESC
 * or CSI), bidirectional overrides (which reorder what the eye reads), line/paragraph separators,
 * the BOM and lone surrogates become visible `\uXXXX` escapes. That form is also a valid JSON
 * escape, so sanitising JSON text keeps it valid and keeps the values it decodes to for every
 * string that had no such characters.
 */

const CONTROLS =
  '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff';
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';
// Text keeps its line breaks and tabs; a line (a table cell, one log message field) keeps neither.
const IN_TEXT = new RegExp(`[${CONTROLS}]|${LONE_SURROGATE}`, 'g');
const IN_LINE = new RegExp(`[\\t\\n${CONTROLS}]|${LONE_SURROGATE}`, 'g');
// A plain character class is a fast scan; the surrogate look-arounds above are not, and almost no
// text has anything to escape (a 200-host matrix page passes half a million strings through here).
const MAYBE_IN_TEXT = new RegExp(`[${CONTROLS}\\ud800-\\udfff]`);

const escapeChar = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** For multi-line output (a whole report, a page, stderr): line feeds and tabs stay. */
export function printableText(text: string): string {
  return MAYBE_IN_TEXT.test(text) ? text.replace(IN_TEXT, escapeChar) : text;
}

/** For one field inside a line (a table cell, a message part): nothing can start a new line either. */
export function printableLine(text: string): string {
  return text.replace(IN_LINE, escapeChar);
}

/** Every string inside a JSON-like value, through printableText (for data a page script shows). */
export function printableStrings<T>(value: T): T {
  if (typeof value === 'string') return printableText(value) as T;
  if (Array.isArray(value)) return value.map((v) => printableStrings(v)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        printableText(k),
        printableStrings(v),
      ]),
    ) as T;
  }
  return value;
}

/** A writable that sanitises every string written to it: the CLI wraps stdout and stderr in one. */
export function printableWriter<W extends { write(text: string): unknown }>(
  target: W,
): { write(text: string): unknown } {
  return { write: (text: string) => target.write(printableText(text)) };
}
