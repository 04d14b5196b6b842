import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { APP_SETTINGS } from '../../../shared/config/app-settings.js';
import { BlobReportHistoryStore } from '../../../shared/history/blob-report-history-store.js';
import { TableReportHistoryStore } from '../../../shared/history/table-report-history-store.js';
import { stateStoresFromSettings } from '../../../shared/pipeline/state-stores.js';

const credential: TokenCredential = {
  getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 60_000 }),
};
const KEY = 'c2VjcmV0LWtleS0z';
const TABLE = 'https://acct.table.core.windows.net';
const BLOB = 'https://acct.blob.core.windows.net';

describe('stateStoresFromSettings: where the report history goes', () => {
  it('keeps one table row per report without the blob setting, as before', () => {
    const stores = stateStoresFromSettings({ [APP_SETTINGS.stateTableEndpoint]: TABLE }, () => credential);
    expect(stores?.history).toBeInstanceOf(TableReportHistoryStore);
  });

  it('puts report bodies in Blob Storage, indexed in the state table, when the blob setting is set', () => {
    const stores = stateStoresFromSettings(
      { [APP_SETTINGS.stateTableEndpoint]: TABLE, [APP_SETTINGS.reportBlobEndpoint]: ` ${BLOB} ` },
      () => credential,
    );
    expect(stores?.history).toBeInstanceOf(BlobReportHistoryStore);
    expect((stores!.history as BlobReportHistoryStore).scope).toBe('default');
  });

  it('refuses the blob setting without the state table, naming both settings and no value', () => {
    const run = () =>
      stateStoresFromSettings(
        { [APP_SETTINGS.reportBlobEndpoint]: `AccountName=a;AccountKey=${KEY};BlobEndpoint=https://a` },
        () => credential,
      );
    expect(run).toThrow(
      `app setting ${APP_SETTINGS.reportBlobEndpoint} is set but ${APP_SETTINGS.stateTableEndpoint} is not`,
    );
    expect(run).not.toThrow(KEY);
  });

  it('refuses a blob setting that is neither a URL nor a connection string, naming it and not quoting it', () => {
    const run = () =>
      stateStoresFromSettings(
        {
          [APP_SETTINGS.stateTableEndpoint]: TABLE,
          [APP_SETTINGS.reportBlobEndpoint]: `AcountName=a;AccountKy=${KEY}`,
        },
        () => credential,
      );
    expect(run).toThrow(`${APP_SETTINGS.reportBlobEndpoint} is neither an https:// Blob endpoint`);
    expect(run).not.toThrow(KEY);
  });
});
