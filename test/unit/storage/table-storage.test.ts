import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { tableAccountFrom, tableClient } from '../../../shared/storage/table-storage.js';

const credential: TokenCredential = {
  getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }),
};
const KEY = 'c2VjcmV0LWtleS0x';

describe('tableAccountFrom: one value names the account', () => {
  it('reads a URL as an endpoint (asking for the credential only then) and a connection string as one', () => {
    let asked = 0;
    const cred = () => {
      asked++;
      return credential;
    };
    expect(tableAccountFrom(' https://acct.table.core.windows.net ', cred, 'X')).toEqual({
      endpoint: 'https://acct.table.core.windows.net',
      credential,
    });
    expect(asked).toBe(1);
    expect(tableAccountFrom('UseDevelopmentStorage=true', cred, 'X')).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(asked).toBe(1);
  });

  it.each([
    ['', 'SETTING is empty: set it to https://'],
    [
      `Acount=x;AccountKy=${KEY}`,
      'SETTING is neither an https:// Table endpoint nor a storage connection string',
    ],
  ])('refuses %j naming the source and never the value', (value, message) => {
    expect(() => tableAccountFrom(value, () => credential, 'SETTING')).toThrow(message);
    try {
      tableAccountFrom(value, () => credential, 'SETTING');
    } catch (error) {
      expect(String(error)).not.toContain(KEY);
    }
  });
});

describe('tableClient: one rule for plain http, whatever named the endpoint', () => {
  const local = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;`;
  const remoteHttp = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY};TableEndpoint=http://acct.table.core.windows.net;`;

  it('accepts https, and plain http only to loopback (Azurite)', () => {
    expect(tableClient({ endpoint: 'https://acct.table.core.windows.net', credential }, 'tbl', 'X').url).toBe(
      'https://acct.table.core.windows.net',
    );
    expect(
      tableClient({ endpoint: 'http://127.0.0.1:10002/devstoreaccount1', credential }, 'tbl', 'X').url,
    ).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(tableClient({ connectionString: local }, 'tbl', 'X').tableName).toBe('tbl');
    expect(tableClient({ connectionString: 'UseDevelopmentStorage=true' }, 'tbl', 'X').url).toMatch(
      /^http:\/\/127\.0\.0\.1:10002\//,
    );
  });

  it.each([
    ['an http URL', { endpoint: 'http://acct.table.core.windows.net', credential }],
    ['an http connection string', { connectionString: remoteHttp }],
  ])('refuses %s to a non-loopback host, naming the fix', (_name, target) => {
    expect(() => tableClient(target, 'tbl', 'X')).toThrow(
      /^X: the Table endpoint must start with https:\/\//,
    );
  });

  it('refuses a connection string the SDK cannot read, and a bad table name, without quoting a key', () => {
    expect(() =>
      tableClient(
        { connectionString: `DefaultEndpointsProtocol=https;AccountName=;AccountKey=${KEY}` },
        'tbl',
        'X',
      ),
    ).toThrow(/^X: the Table Storage connection string is not valid/);
    expect(() => tableClient({ connectionString: local, tableName: 'a-b' }, 'tbl', 'X')).toThrow(
      'X: table name "a-b" must be 3-63 letters or digits',
    );
  });
});
