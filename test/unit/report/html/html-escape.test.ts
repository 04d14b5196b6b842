import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript } from '../../../../shared/report/html/html-escape.js';

describe('escapeHtml', () => {
  it('escapes every character that can open a tag or end an attribute', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&\``)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;&#96;',
    );
  });

  it('turns null and undefined into empty text and numbers into their digits', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0.5)).toBe('0.5');
  });
});

describe('jsonForScript', () => {
  it('cannot end a script element or open a comment, and still parses to the same value', () => {
    const value = { s: ['</script><script>alert(1)</script>', '<!--', 'a&b', '\u2028\u2029'] };
    const json = jsonForScript(value);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(value);
  });
});
