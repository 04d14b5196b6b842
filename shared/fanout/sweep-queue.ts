import type { TokenCredential } from '@azure/identity';
import { QueueClient } from '@azure/storage-queue';
import { createdOnce } from '../storage/created-once.js';
import { isLocalPlainHttp } from '../storage/table-storage.js';
import { encodeSweepMessage, type SweepMessage } from './sweep-message.js';

/** The queue the timer fans out on and the queue-triggered Function reads (infra/ creates it). */
export const SWEEP_QUEUE_NAME = 'tunnelwatch-sweeps';

// A timer tick is worth a few seconds of retries, not the SDK's default half minute: the next tick comes.
const RETRIES = { retryOptions: { maxTries: 3, retryDelayInMs: 500, maxRetryDelayInMs: 2000 } };

/** Where sweep messages go; a Storage Queue in Azure, an array in unit tests. */
export interface SweepQueue {
  /** `delaySeconds`: the message stays invisible that long (the finish of a sharded sweep). */
  enqueue(message: SweepMessage, delaySeconds?: number): Promise<void>;
}

/**
 * The sweep queue from one value: a storage connection string (Azurite locally), or an https Queue
 * endpoint reached with `credential()`. Errors name `source`, never the value.
 */
export function storageSweepQueue(
  value: string,
  credential: () => TokenCredential,
  source: string,
): SweepQueue {
  const text = value.trim();
  let client: QueueClient;
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    if (url.protocol !== 'https:' && !isLocalPlainHttp(url))
      throw new Error(`${source} must be an https:// Queue endpoint (plain http only to loopback)`);
    client = new QueueClient(`${text.replace(/\/+$/, '')}/${SWEEP_QUEUE_NAME}`, credential(), RETRIES);
  } else if (/(^|;)\s*(QueueEndpoint|AccountName|UseDevelopmentStorage)\s*=/i.test(text)) {
    client = new QueueClient(text, SWEEP_QUEUE_NAME, RETRIES);
  } else {
    throw new Error(
      `${source} is neither an https:// Queue endpoint nor a storage connection string (…;QueueEndpoint=…)`,
    );
  }
  const ensureQueue = createdOnce(() => client.createIfNotExists());
  return {
    async enqueue(message, delaySeconds = 0) {
      await ensureQueue();
      // The Functions queue trigger reads messages as base64 (its default messageEncoding).
      await client.sendMessage(Buffer.from(encodeSweepMessage(message), 'utf8').toString('base64'), {
        ...(delaySeconds > 0 ? { visibilityTimeout: Math.ceil(delaySeconds) } : {}),
      });
    },
  };
}
