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
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
