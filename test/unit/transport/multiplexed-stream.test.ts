import { describe, expect, it } from 'vitest';
import { MultiplexedStreamDecoder } from '../../../shared/transport/multiplexed-stream.js';

const frame = (type: number, payload: string | Buffer) => {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

function decode(chunks: Buffer[], max = 1024 * 1024) {
  const d = new MultiplexedStreamDecoder(max);
  for (const c of chunks) d.push(c);
  const out = d.end();
  return typeof out === 'string' ? out : { stdout: out.stdout.toString(), stderr: out.stderr.toString() };
}

describe('MultiplexedStreamDecoder', () => {
  const stream = Buffer.concat([frame(1, 'hello '), frame(2, 'oops'), frame(1, 'world'), frame(1, '')]);

  it('splits stdout and stderr, whatever the chunk boundaries', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(decode([stream.subarray(0, cut), stream.subarray(cut)])).toEqual({
        stdout: 'hello world',
        stderr: 'oops',
      });
    }
    expect(decode([...stream].map((b) => Buffer.from([b])))).toEqual({
      stdout: 'hello world',
      stderr: 'oops',
    });
  });

  it('decodes 200,000 one-byte frames in one chunk without recursion', () => {
    const burst = Buffer.concat(Array.from({ length: 200_000 }, () => frame(1, 'a')));
    const out = decode([burst]);
    expect(typeof out === 'string' ? out : out.stdout.length).toBe(200_000);
  });

  it('refuses payload beyond the cap, and a header announcing it, as too-large', () => {
    expect(decode([frame(1, Buffer.alloc(600)), frame(1, Buffer.alloc(600))], 1000)).toBe('too-large');
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(0xffff_ffff, 4);
    const d = new MultiplexedStreamDecoder(1000);
    expect(d.push(header)).toBe('too-large');
    // Stopped: later bytes are not kept.
    expect(d.push(Buffer.alloc(10_000))).toBe('too-large');
  });

  it('refuses bytes that are not a multiplexed stream (a TTY stream, garbage)', () => {
    expect(decode([Buffer.from('plain text output\n')])).toBe('not-multiplexed');
    expect(decode([Buffer.from([1, 9, 0, 0, 0, 0, 0, 1, 0x61])])).toBe('not-multiplexed');
  });

  it('reports a stream cut inside a header or a payload as truncated', () => {
    expect(decode([frame(1, 'abc').subarray(0, 5)])).toBe('truncated');
    expect(decode([frame(1, 'abc').subarray(0, 9)])).toBe('truncated');
    expect(decode([])).toEqual({ stdout: '', stderr: '' });
  });
});
