/** One regular file of an image's root filesystem. */
export interface RootfsFile {
  /** Relative path without a leading slash, ASCII, at most 100 bytes (one ustar name field). */
  path: string;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  bytes: Uint8Array;
}

const BLOCK = 512;

/**
 * A POSIX ustar archive of `files`, written the same way on every workstation: owner root (0:0),
 * mtime 0, entries in the order given, no directories (`docker import` creates what it needs).
 * Enough for `POST /images/create?fromSrc=-`, which is all it is for.
 */
export function rootfsTar(files: readonly RootfsFile[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const file of files) {
    parts.push(header(file));
    parts.push(file.bytes);
    const pad = (BLOCK - (file.bytes.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(2 * BLOCK)); // end of archive
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function header(file: RootfsFile): Uint8Array {
  if (!/^[A-Za-z0-9._-][A-Za-z0-9._/-]{0,99}$/.test(file.path) || file.path.includes('..')) {
    throw new RangeError(
      `rootfs path ${JSON.stringify(file.path)} must be a plain relative ASCII path of ≤ 100 bytes`,
    );
  }
  if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777)
    throw new RangeError('mode must be 0..0o7777');
  const h = new Uint8Array(BLOCK);
  const text = (at: number, value: string) => {
    for (let i = 0; i < value.length; i++) h[at + i] = value.charCodeAt(i);
  };
  // Numeric fields: zero-padded octal, NUL-terminated.
  const octal = (at: number, width: number, value: number) =>
    text(at, `${value.toString(8).padStart(width - 1, '0')}\0`);
  text(0, file.path);
  octal(100, 8, file.mode);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, file.bytes.length);
  octal(136, 12, 0); // mtime
  text(148, '        '); // checksum counts as spaces while it is computed
  text(156, '0'); // regular file
  text(257, 'ustar\0');
  text(263, '00');
  const sum = h.reduce((n, b) => n + b, 0);
  text(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}
