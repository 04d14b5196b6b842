import { describe, expect, it } from 'vitest';
import type { JobOutput } from '../../../shared/probes/agent-probe.js';
import { parseBatchOutput } from '../../../shared/probes/exec-batch.js';

/** The block format read line by line, as the first version did: the definition the fast reader must keep. */
function reference(stdout: string, nonce: string, ids?: ReadonlySet<string>): Map<string, JobOutput> {
  const outputs = new Map<string, JobOutput>();
  const lines = stdout.replace(/\r\n/g, '\n').split('\n');
  const start = new RegExp(`^@@tw-${nonce} job ([a-z0-9-]{1,64}) (\\d{1,3})$`);
  let open: { id: string; exitCode: number; end: string; from: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (open) {
      if (line !== open.end) continue;
      const body = lines.slice(open.from, i);
      if (body.at(-1) === '') body.pop();
      if (!ids || ids.has(open.id))
        outputs.set(open.id, { exitCode: open.exitCode, output: body.join('\n') });
      open = null;
      continue;
    }
    const head = start.exec(line);
    if (head)
      open = { id: head[1]!, exitCode: Number(head[2]), end: `@@tw-${nonce} end ${head[1]}`, from: i + 1 };
  }
  return outputs;
}

/** Deterministic soups of real and forged markers, output lines, blank lines and CRLFs. */
function* soups(count: number, nonce: string): Generator<string> {
  let seed = 11;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const ids = ['a', 'b', 'ov-1', 'x'];
  const pieces = [
    () => `@@tw-${nonce} job ${ids[next(4)]} ${next(300)}`,
    () => `@@tw-${nonce} end ${ids[next(4)]}`,
    () => `@@tw-other job a 0`,
    () => ` @@tw-${nonce} job a 0`,
    () => `@@tw-${nonce} job a 0 junk`,
    () => `64 bytes from 100.64.1.2: icmp_seq=${next(9)}`,
    () => '',
    () => `text @@tw-${nonce} end a`,
    () => `@@tw-${nonce} end a trailing`,
  ];
  for (let i = 0; i < count; i++) {
    const lines = Array.from({ length: next(30) }, () => pieces[next(pieces.length)]!());
    const eol = next(4) === 0 ? '\r\n' : '\n';
    yield lines.join(eol) + (next(2) === 0 ? eol : '');
  }
}

describe('parseBatchOutput against its line-by-line definition', () => {
  it('reads the same blocks from 5,000 soups of markers and output, with and without an id filter', () => {
    const nonce = 'n0nce';
    const filter = new Set(['a', 'ov-1']);
    let blocks = 0;
    for (const soup of soups(5_000, nonce)) {
      const fast = parseBatchOutput(soup, nonce);
      expect(fast, soup).toEqual(reference(soup, nonce));
      expect(parseBatchOutput(soup, nonce, filter), soup).toEqual(reference(soup, nonce, filter));
      blocks += fast.size;
    }
    // The soups reach real blocks, not only junk.
    expect(blocks).toBeGreaterThan(2_000);
  });
});
