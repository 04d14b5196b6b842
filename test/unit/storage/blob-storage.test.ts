import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { blobAccountFrom, containerClient } from '../../../shared/storage/blob-storage.js';

const credential: TokenCredential = {
  getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }),
};
const KEY = 'c2VjcmV0LWtleS0x';

const thrown = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return String(error);
  }
  throw new Error('expected a throw');
};

describe('blobAccountFrom: one value names the account', () => {
  it('reads a URL as an endpoint (asking for the credential only then) and a connection string as one', () => {
    let asked = 0;
    const cred = () => {
      asked++;
      return credential;
    };
    expect(blobAccountFrom(' https://acct.blob.core.windows.net ', cred, 'X')).toEqual({
      endpoint: 'https://acct.blob.core.windows.net',
      credential,
    });
    expect(blobAccountFrom('UseDevelopmentStorage=true', cred, 'X')).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(asked).toBe(1);
  });

  it.each([
    ['', 'SETTING is empty: set it to https://<account>.blob.core.windows.net'],
    [
      `Acount=x;AccountKy=${KEY}`,
      'SETTING is neither an https:// Blob endpoint nor a storage connection string',
    ],
  ])('refuses %j naming the source and never the value', (value, message) => {
    const text = thrown(() => blobAccountFrom(value, () => credential, 'SETTING'));
    expect(text).toContain(message);
    expect(text).not.toContain(KEY);
  });
});

describe('containerClient: the same plain-http rule as Table Storage', () => {
  const local = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`;
  const remoteHttp = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://acct.blob.core.windows.net;`;

  it('accepts https, and plain http only to loopback (Azurite)', () => {
    expect(
      containerClient({ endpoint: 'https://acct.blob.core.windows.net/', credential }, 'reports', 'X').url,
    ).toBe('https://acct.blob.core.windows.net/reports');
    expect(containerClient({ connectionString: local }, 'reports', 'X').url).toBe(
      'http://127.0.0.1:10000/devstoreaccount1/reports',
    );
  });

  it.each([
    ['a URL', { endpoint: 'http://acct.blob.core.windows.net', credential }],
    ['a connection string', { connectionString: remoteHttp }],
  ])('refuses plain http to anything else, given as %s, without quoting a key', (_kind, account) => {
    const text = thrown(() => containerClient(account, 'reports', 'X'));
    expect(text).toContain('X: the Blob endpoint must start with https://');
    expect(text).not.toContain(KEY);
  });

  it('refuses a connection string the SDK cannot read, without quoting it', () => {
    const text = thrown(() =>
      containerClient({ connectionString: `AccountName=acct;AccountKey=${KEY}` }, 'reports', 'X'),
    );
    expect(text).toContain('X: the Blob Storage connection string is not valid');
    expect(text).not.toContain(KEY);
  });

  it('refuses a container name Blob Storage would refuse', () => {
    expect(() => containerClient({ connectionString: local }, 'Reports_1', 'X')).toThrow(
      'X: container name "Reports_1" must be 3-63 lower-case letters',
    );
  });
});
