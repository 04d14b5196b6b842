import type { TokenCredential } from '@azure/identity';
import {
  type BlobDownloadResponseParsed,
  BlobServiceClient,
  type ContainerClient,
  RestError,
} from '@azure/storage-blob';
import { createdOnce } from './created-once.js';
import { isLocalPlainHttp } from './table-storage.js';

// The one module that speaks to the Blob Storage SDK: how an account is named, reached and secured,
// by the same rules as table-storage.ts (https, or plain http to loopback only; keys never quoted).
export type { BlobDownloadResponseParsed, ContainerClient };

/** One storage account's Blob service, named by a connection string or by an endpoint URL. */
export type BlobAccount =
  /** A storage connection string with a BlobEndpoint (Azurite's, or `UseDevelopmentStorage=true`, locally). */
  | { connectionString: string }
  /** https://<account>.blob.core.windows.net with Entra auth (managed identity in Azure). */
  | { endpoint: string; credential: TokenCredential };

/**
 * Fewer and shorter retries than the SDK's (4 tries from 4 s apart): a sweep waits for its history
 * step, and an unreachable account should fail it in seconds, about as soon as Table Storage does.
 */
const PIPELINE_OPTIONS = { retryOptions: { maxTries: 3, retryDelayInMs: 1000, maxRetryDelayInMs: 4000 } };

const CONNECTION_STRING_KEY = /(^|;)\s*(BlobEndpoint|AccountName|UseDevelopmentStorage)\s*=/i;
const CONTAINER_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * Reads the account from one value (a flag or an app setting named `source`): an http(s) URL is an
 * endpoint reached with `credential()` (called only then), anything shaped like a connection string
 * is one. Errors name `source` and never quote the value: it can hold an account key.
 */
export function blobAccountFrom(
  value: string,
  credential: () => TokenCredential,
  source: string,
): BlobAccount {
  const text = value.trim();
  if (text === '') {
    throw new Error(
      `${source} is empty: set it to https://<account>.blob.core.windows.net or to a storage connection string`,
    );
  }
  if (/^https?:\/\//i.test(text)) return { endpoint: text, credential: credential() };
  if (CONNECTION_STRING_KEY.test(text)) return { connectionString: text };
  throw new Error(
    `${source} is neither an https:// Blob endpoint nor a storage connection string (AccountName=…;AccountKey=…;BlobEndpoint=…, or UseDevelopmentStorage=true)`,
  );
}

/** A client for one container of `account`. `source` names the account in errors. */
export function containerClient(
  account: BlobAccount,
  containerName: string,
  source: string,
): ContainerClient {
  if (!CONTAINER_NAME.test(containerName)) {
    throw new Error(
      `${source}: container name "${containerName}" must be 3-63 lower-case letters, digits or single hyphens`,
    );
  }
  let service: BlobServiceClient;
  if ('connectionString' in account) {
    try {
      service = BlobServiceClient.fromConnectionString(account.connectionString, PIPELINE_OPTIONS);
    } catch {
      // The SDK's message may quote the string, and with it the account key.
      throw new Error(
        `${source}: the Blob Storage connection string is not valid; expected "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…;BlobEndpoint=…" or "UseDevelopmentStorage=true"`,
      );
    }
  } else {
    service = new BlobServiceClient(
      account.endpoint.replace(/\/$/, ''),
      account.credential,
      PIPELINE_OPTIONS,
    );
  }
  let url: URL;
  try {
    url = new URL(service.url);
  } catch {
    throw new Error(
      `${source}: the Blob endpoint must be a URL like https://<account>.blob.core.windows.net`,
    );
  }
  if (url.protocol !== 'https:' && !isLocalPlainHttp(url)) {
    throw new Error(
      `${source}: the Blob endpoint must start with https:// (plain http only to loopback, for Azurite), e.g. https://<account>.blob.core.windows.net`,
    );
  }
  return service.getContainerClient(containerName);
}

/** Creates the container on first use. */
export function containerCreator(client: ContainerClient): () => Promise<void> {
  return createdOnce(() => client.createIfNotExists());
}

/** True when the Blob service answered with one of `codes` (404 missing…). */
export function isBlobStatus(error: unknown, ...codes: number[]): boolean {
  return error instanceof RestError && error.statusCode !== undefined && codes.includes(error.statusCode);
}
