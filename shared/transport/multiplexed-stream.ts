/**
 * Decoder for Docker's multiplexed exec/attach stream: frames of an 8-byte header (stream type
 * 0/1/2, three zero bytes, big-endian payload length) followed by the payload. Iterative and
 * linear in the bytes received (docker-modem's own demuxStream recurses once per frame and a
 * burst of a few thousand tiny frames overflows the stack), and bounded: payload beyond
 * `maxBytes` in total, or a header announcing it, stops decoding with `too-large`.
 */

export type DemuxFailure = 'too-large' | 'not-multiplexed' | 'truncated';

export interface DemuxedOutput {
  stdout: Buffer;
  stderr: Buffer;
}

const HEADER_BYTES = 8;

export class MultiplexedStreamDecoder {
  readonly #maxBytes: number;
  readonly #stdout: Buffer[] = [];
  readonly #stderr: Buffer[] = [];
  readonly #header = Buffer.alloc(HEADER_BYTES);
  #headerFill = 0;
  /** Payload bytes still expected for the current frame; null while reading a header. */
  #remaining: number | null = null;
  #stream: 1 | 2 = 1;
  #total = 0;
  #failure: DemuxFailure | null = null;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Why decoding stopped, or null while the stream is well-formed and within bounds. */
  get failure(): DemuxFailure | null {
    return this.#failure;
  }

  /** Feeds one chunk; returns the failure that stopped decoding, if any. Later chunks are ignored. */
  push(chunk: Buffer): DemuxFailure | null {
    let at = 0;
    while (at < chunk.length && this.#failure === null) {
      if (this.#remaining === null) {
        const take = Math.min(HEADER_BYTES - this.#headerFill, chunk.length - at);
        chunk.copy(this.#header, this.#headerFill, at, at + take);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < HEADER_BYTES) break;
        this.#headerFill = 0;
        const type = this.#header[0]!;
        const length = this.#header.readUInt32BE(4);
        if (type > 2 || this.#header[1] !== 0 || this.#header[2] !== 0 || this.#header[3] !== 0) {
          this.#failure = 'not-multiplexed';
        } else if (this.#total + length > this.#maxBytes) {
          this.#failure = 'too-large';
        } else {
          // Stdin frames (0) never come from the daemon; Docker's own stdcopy treats them as stdout.
          this.#stream = type === 2 ? 2 : 1;
          this.#remaining = length;
          this.#total += length;
        }
      } else {
        const take = Math.min(this.#remaining, chunk.length - at);
        if (take > 0) (this.#stream === 1 ? this.#stdout : this.#stderr).push(chunk.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
      }
      if (this.#remaining === 0) this.#remaining = null;
    }
    return this.#failure;
  }

  /** The stream ended: the output, or why it is not usable. */
  end(): DemuxedOutput | DemuxFailure {
    if (this.#failure) return this.#failure;
    if (this.#remaining !== null || this.#headerFill > 0) return 'truncated';
    return { stdout: Buffer.concat(this.#stdout), stderr: Buffer.concat(this.#stderr) };
  }
}
