/**
 * swanctl's `--raw` dump of one VICI message: `NAME {key=value key=[a b] SUB {…} …}`. One pass over
 * the text, no backtracking regex, a bounded nesting depth: the output comes from a host, so it is
 * untrusted and may be huge or crafted (issue 12 saw a quadratic regex take 12 s on 80 KB).
 * Raw mode does not quote values, so a value runs to the next space or brace; an identity with spaces
 * leaves stray words, which are ignored. Readers take what they need as the scan passes
 * (`ViciVisitor`): no tree of the line is built.
 */

// Sections within sections, the message's own counted: charon nests four deep.
const MAX_DEPTH = 8;

/**
 * The value and list keys a reader uses. A key in the line is matched in place, so a key nobody
 * reads costs no string: an SA line has ~40 keys, a 200-host sweep reads ~80,000 such lines, and
 * storing every key was a third of what a sweep allocated.
 */
export class ViciKeys {
  readonly #byLength = new Map<number, string[]>();

  constructor(keys: Iterable<string>) {
    for (const key of keys) {
      const same = this.#byLength.get(key.length);
      if (same) same.push(key);
      else this.#byLength.set(key.length, [key]);
    }
  }

  /** The kept key spelled by line[start, end), or null. */
  match(line: string, start: number, end: number): string | null {
    const same = this.#byLength.get(end - start);
    if (same) for (const key of same) if (line.startsWith(key, start)) return key;
    return null;
  }
}

/**
 * What a scan of one line reports, in the line's order. Depth 0 is the message itself, 1 a section
 * directly inside it. A reader that wants a few fields takes them as they pass, and no tree is built
 * (a 200-host sweep scans 80,000 SA lines).
 */
export interface ViciVisitor {
  open(depth: number, name: string): void;
  close(depth: number): void;
  value(depth: number, key: string, value: string): void;
  list(depth: number, key: string, items: string[]): void;
}

/**
 * Scans one line such as `list-sa event {peer {…}}`, calling `visitor` for its sections and for the
 * values and lists `keep` names (all of them without `keep`). Every key is checked for syntax.
 * Null when the line is one whole message, else why not.
 */
export function scanViciLine(line: string, keep: ViciKeys | undefined, visitor: ViciVisitor): string | null {
  const open = line.indexOf('{');
  if (open < 0) return 'no section';
  // Braces open: the message's own is 1.
  let depth = 1;
  // A word that may turn out to be a section name, as its place in the line (-1: none).
  let pendingStart = -1;
  // Stryker disable next-line UnaryOperator: equivalent, read only while pendingStart is set
  let pendingEnd = -1;
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
    if (c === 123 /* { */) {
      // Stryker disable next-line EqualityOperator: equivalent, a word never starts at 0 (the line's first brace comes before)
      if (pendingStart < 0) return 'a section without a name';
      if (depth >= MAX_DEPTH) return 'sections nested too deep';
      visitor.open(depth, line.slice(pendingStart, pendingEnd));
      depth++;
      pendingStart = -1;
      i++;
      continue;
    }
    if (c === 125 /* } */) {
      pendingStart = -1;
      depth--;
      i++;
      if (depth === 0) return null;
      visitor.close(depth);
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
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent bound, charCodeAt(n) is NaN, never '='
    if (j < n && line.charCodeAt(j) === 61) {
      pendingStart = -1;
      const key = keep ? keep.match(line, i, j) : line.slice(i, j);
      let k = j + 1;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent bound, charCodeAt(n) is NaN, never '['
      if (k < n && line.charCodeAt(k) === 91 /* [ */) {
        // Stryker disable next-line ArithmeticOperator: equivalent, the two characters before k + 1 are '=' and '['
        const close = line.indexOf(']', k + 1);
        // Stryker disable next-line EqualityOperator: equivalent, close is at least k + 1 > 0 when found
        if (close < 0) return `list ${line.slice(i, Math.min(j, i + 40))} is not closed`;
        if (key !== null)
          visitor.list(
            depth - 1,
            key,
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
      if (key !== null) visitor.value(depth - 1, key, line.slice(j + 1, k));
      i = k;
      continue;
    }
    // A word of at least one character: every character that ends a word at once is handled above.
    pendingStart = i;
    pendingEnd = j;
    i = j;
  }
  return 'a section is not closed';
}

/** A non-negative integer field as read; anything else (absent, negative, absurdly large) is undefined, never NaN. */
export function counterValue(text: string | undefined): number | undefined {
  // Stryker disable next-line ConditionalExpression: equivalent for undefined, which the pattern refuses as the text 'undefined'
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}
