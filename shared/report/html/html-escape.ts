import { printableText } from '../../domain/printable-text.js';

// Every value that reaches the matrix page from a report (host names, labels, errors, advice) passes
// through one of these. Attributes are always written double-quoted, so one escape covers both contexts.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML text node or a double-quoted attribute value; control characters show as escapes. */
export function escapeHtml(value: unknown): string {
  return printableText(String(value ?? '')).replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the
 * element or open a comment, and U+2028/U+2029 are escaped for older JS parsers.
 */
export function jsonForScript(value: unknown): string {
  // One pass: the matrix page's data is megabytes.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => SCRIPT_ESCAPES[ch]!);
}

const SCRIPT_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};
