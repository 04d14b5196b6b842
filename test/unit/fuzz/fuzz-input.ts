// Seeded input generation for the parser fuzz suite: the same seed gives the same inputs, so a
// failure is reproduced with `FUZZ_SEED=<seed> npx vitest run --project unit test/unit/fuzz`.
import { seededRandom } from '../../support/seeded-random.js';

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 0x7e11_2b);
/** Random inputs per parser and generator: bounded so the suite stays a unit test. */
export const FUZZ_ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 250);

export interface Fuzz {
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** Any UTF-16 code units, control characters and lone surrogates included. */
  junk(maxLength: number): string;
  bytes(maxLength: number): Uint8Array;
  /** Tokens of the parser's own language glued together at random: gets past the first checks. */
  soup(tokens: readonly string[], maxTokens: number): string;
  /** A real sample with random slices deleted, duplicated, swapped or replaced by junk. */
  mutate(sample: string): string;
}

const SPECIAL = [
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '\u0000',
  '\u001b[2J',
  '\u001b]0;pwned\u0007',
  '\u009b',
  '\u202e',
  '\ud800',
  '{',
  '}',
  '=',
  '/',
  ':',
  '.',
  '@',
  '[',
  ']',
  '-',
  '9'.repeat(400),
  '0',
  'NaN',
  'Infinity',
  '1e309',
  '-1',
];

export function fuzz(seed: number): Fuzz {
  const next = seededRandom(seed);
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const junk = (maxLength: number) => {
    const length = int(maxLength + 1);
    let out = '';
    while (out.length < length) {
      const r = next();
      if (r < 0.5) out += String.fromCharCode(32 + int(95));
      else if (r < 0.7) out += String.fromCharCode(int(0x20));
      else if (r < 0.85) out += pick(SPECIAL);
      else out += String.fromCharCode(int(0x10000));
    }
    return out;
  };
  const bytes = (maxLength: number) => Uint8Array.from({ length: int(maxLength + 1) }, () => int(256));
  const soup = (tokens: readonly string[], maxTokens: number) => {
    const n = int(maxTokens + 1);
    let out = '';
    for (let i = 0; i < n; i++) {
      const r = next();
      out += r < 0.7 ? pick(tokens) : r < 0.85 ? pick(SPECIAL) : String(int(1000));
      if (next() < 0.3) out += pick([' ', '\n']);
    }
    return out;
  };
  const mutate = (sample: string) => {
    let text = sample;
    const edits = 1 + int(6);
    for (let i = 0; i < edits; i++) {
      const at = int(text.length + 1);
      const len = int(Math.min(80, text.length - at) + 1);
      const cut = text.slice(at, at + len);
      switch (int(5)) {
        case 0:
          text = text.slice(0, at) + text.slice(at + len);
          break;
        case 1:
          text = text.slice(0, at) + cut.repeat(1 + int(50)) + text.slice(at + len);
          break;
        case 2:
          text = text.slice(0, at) + junk(20) + text.slice(at + len);
          break;
        case 3:
          text = text.slice(0, at) + pick(SPECIAL) + text.slice(at);
          break;
        default:
          text = text.slice(at) + text.slice(0, at);
      }
    }
    return text;
  };
  return { int, pick, junk, bytes, soup, mutate };
}
