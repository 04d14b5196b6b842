import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseKnownHosts, sha256Fingerprint, verifyHostKey } from '../../../shared/transport/known-hosts.js';

const key = Buffer.from(`0000000b7373682d6564323535313900000020${'ab'.repeat(32)}`, 'hex');
const other = Buffer.from(`0000000b7373682d6564323535313900000020${'cd'.repeat(32)}`, 'hex');
const b64 = key.toString('base64');
const trust = (knownHosts: string, sha256: string[] = []) => ({
  knownHosts: parseKnownHosts(knownHosts),
  sha256,
});

describe('known_hosts', () => {
  it('prints fingerprints the way ssh-keygen -lf does', () => {
    const digest = createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
    expect(sha256Fingerprint(key)).toBe(`SHA256:${digest}`);
    expect(sha256Fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches plain names, [host]:port for other ports, wildcards and negations', () => {
    expect(verifyHostKey(trust(`node-c,198.18.0.13 ssh-ed25519 ${b64}`), '198.18.0.13', 22, key)).toBe(
      'trusted',
    );
    expect(verifyHostKey(trust(`198.18.0.13 ssh-ed25519 ${b64}`), '198.18.0.13', 2222, key)).toBe('unknown');
    expect(verifyHostKey(trust(`[198.18.0.13]:2222 ssh-ed25519 ${b64}`), '198.18.0.13', 2222, key)).toBe(
      'trusted',
    );
    expect(verifyHostKey(trust(`198.18.0.* ssh-ed25519 ${b64}`), '198.18.0.13', 22, key)).toBe('trusted');
    expect(verifyHostKey(trust(`198.18.0.*,!198.18.0.13 ssh-ed25519 ${b64}`), '198.18.0.13', 22, key)).toBe(
      'unknown',
    );
    expect(verifyHostKey(trust(`NODE-C ssh-ed25519 ${b64}`), 'node-c', 22, key)).toBe('trusted');
  });

  it('matches hashed names', () => {
    const salt = Buffer.alloc(20, 7);
    const hash = createHmac('sha1', salt).update('node-c').digest('base64');
    const line = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64}`;
    expect(verifyHostKey(trust(line), 'node-c', 22, key)).toBe('trusted');
    expect(verifyHostKey(trust(line), 'node-d', 22, key)).toBe('unknown');
  });

  it('trusts only the listed key for a host, and never a revoked one', () => {
    expect(verifyHostKey(trust(`node-c ssh-ed25519 ${b64}`), 'node-c', 22, other)).toBe('unknown');
    const revoked = `@revoked node-c ssh-ed25519 ${b64}\nnode-c ssh-ed25519 ${b64}`;
    expect(verifyHostKey(trust(revoked, [sha256Fingerprint(key)]), 'node-c', 22, key)).toBe('revoked');
  });

  it('accepts a pinned fingerprint without known_hosts', () => {
    expect(verifyHostKey(trust('', [sha256Fingerprint(key)]), 'node-c', 22, key)).toBe('trusted');
    expect(verifyHostKey(trust('', [sha256Fingerprint(other)]), 'node-c', 22, key)).toBe('unknown');
  });

  it('skips comments, @cert-authority lines and lines that do not parse', () => {
    const text = `# comment\n\n@cert-authority * ssh-ed25519 ${b64}\nbroken\nnode-c ssh-ed25519 not*base64\n`;
    expect(parseKnownHosts(text)).toEqual([]);
    expect(verifyHostKey(trust(text), 'node-c', 22, key)).toBe('unknown');
  });
});
