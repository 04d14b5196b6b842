import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OpenSSH known_hosts, the subset a monitor needs: plain and hashed (`|1|salt|hash`) host
 * patterns, `[host]:port` for non-22 ports, `*` / `?` wildcards, `!` negation, and `@revoked`.
 * `@cert-authority` lines are skipped (host certificates are not supported); so are lines that do
 * not parse, as OpenSSH does.
 */
export interface KnownHostLine {
  revoked: boolean;
  patterns: string[];
  /** The public key blob, as ssh sends it. */
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let revoked = false;
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked') continue;
      revoked = true;
      fields.shift();
    }
    const [hosts, , blob] = fields;
    if (hosts === undefined || blob === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) continue;
    lines.push({ revoked, patterns: hosts.split(','), key: Buffer.from(blob, 'base64') });
  }
  return lines;
}

/** `SHA256:<base64, no padding>`, as `ssh-keygen -lf` and OpenSSH's messages print it. */
export function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyVerdict = 'trusted' | 'revoked' | 'unknown';

export interface TrustedHostKeys {
  knownHosts: readonly KnownHostLine[];
  /** Pinned `SHA256:…` fingerprints. */
  sha256: readonly string[];
}

export function verifyHostKey(
  trust: TrustedHostKeys,
  host: string,
  port: number,
  key: Buffer,
): HostKeyVerdict {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const forHost = trust.knownHosts.filter((line) => matchesHost(line.patterns, name));
  if (forHost.some((line) => line.revoked && line.key.equals(key))) return 'revoked';
  if (forHost.some((line) => !line.revoked && line.key.equals(key))) return 'trusted';
  const fingerprint = sha256Fingerprint(key);
  return trust.sha256.includes(fingerprint) ? 'trusted' : 'unknown';
}

function matchesHost(patterns: readonly string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (!matchesOne(body, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function matchesOne(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(name);
}
