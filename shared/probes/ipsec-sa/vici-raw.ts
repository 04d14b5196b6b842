/**
 * swanctl's `--raw` dump of one VICI message: `NAME {key=value key=[a b] SUB {…} …}`. One pass over
 * the text, no backtracking regex, a bounded nesting depth: the output comes from a host, so it is
 * untrusted and may be huge or crafted (issue 12 saw a quadratic regex take 12 s on 80 KB).
 * Raw mode does not quote values, so a value runs to the next space or brace; an identity with spaces
 * leaves stray words, which are ignored.
 */
export interface ViciSection {
  values: Map<string, string>;
  lists: Map<string, string[]>;
  sections: [name: string, section: ViciSection][];
}

const MAX_DEPTH = 8;

export type ViciParse = { ok: true; name: string; section: ViciSection } | { ok: false; reason: string };

const emptySection = (): ViciSection => ({ values: new Map(), lists: new Map(), sections: [] });

/** Parses one line such as `list-sa event {peer {…}}`; the top-level name is the text before the first `{`. */
export function parseViciLine(line: string): ViciParse {
  const open = line.indexOf('{');
  if (open < 0) return { ok: false, reason: 'no section' };
  const name = line.slice(0, open).trim();
  const root = emptySection();
  const stack: ViciSection[] = [root];
  let pending: string | null = null; // a word that may turn out to be a section name
  let i = open + 1;
  const n = line.length;
  // Stryker disable next-line EqualityOperator: equivalent, charCodeAt(n) is NaN, which reads as an empty word and ends the loop
  while (i < n) {
    const c = line.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression: equivalent for the tab, the word scanner skips a lone one too
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1]!;
    if (c === 123 /* { */) {
      if (pending === null) return { ok: false, reason: 'a section without a name' };
      if (stack.length >= MAX_DEPTH) return { ok: false, reason: 'sections nested too deep' };
      const child = emptySection();
      top.sections.push([pending, child]);
      stack.push(child);
      pending = null;
      i++;
      continue;
    }
    if (c === 125 /* } */) {
      pending = null;
      stack.pop();
      i++;
      if (stack.length === 0) return { ok: true, name, section: root };
      continue;
    }
    // A word: up to the next space, brace or '='.
    let j = i;
    // Stryker disable next-line EqualityOperator: equivalent, charCodeAt(n) is NaN and slice stops at the end
    while (j < n) {
      const d = line.charCodeAt(j);
      if (d === 32 || d === 9 || d === 123 || d === 125 || d === 61 /* = */) break;
      j++;
    }
    const word = line.slice(i, j);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent bound, charCodeAt(n) is NaN, never '='
    if (j < n && line.charCodeAt(j) === 61) {
      pending = null;
      let k = j + 1;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent bound, charCodeAt(n) is NaN, never '['
      if (k < n && line.charCodeAt(k) === 91 /* [ */) {
        // Stryker disable next-line ArithmeticOperator: equivalent, the two characters before k + 1 are '=' and '['
        const close = line.indexOf(']', k + 1);
        // Stryker disable next-line EqualityOperator: equivalent, close is at least k + 1 > 0 when found
        if (close < 0) return { ok: false, reason: `list ${word.slice(0, 40)} is not closed` };
        top.lists.set(
          word,
          line
            .slice(k + 1, close)
            .split(' ')
            .filter(Boolean),
        );
        i = close + 1;
        continue;
      }
      // Stryker disable next-line EqualityOperator: equivalent, charCodeAt(n) is NaN and slice stops at the end
      while (k < n) {
        const d = line.charCodeAt(k);
        if (d === 32 || d === 9 || d === 123 || d === 125) break;
        k++;
      }
      top.values.set(word, line.slice(j + 1, k));
      i = k;
      continue;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, every character that ends a word at once is handled above
    pending = word.length > 0 ? word : null;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: equivalent, j > i here for the same reason
    i = j === i ? i + 1 : j;
  }
  return { ok: false, reason: 'a section is not closed' };
}

/** A non-negative integer field; anything else (absent, negative, absurdly large) is undefined, never NaN. */
export function counter(section: ViciSection, key: string): number | undefined {
  const text = section.values.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent for undefined, which the pattern refuses as the text 'undefined'
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
