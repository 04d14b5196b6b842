import { describe, expect, it } from 'vitest';
import type { EnvironmentName } from '../../../shared/domain/environment-name.js';
import {
  claimPart,
  decodeSweepMessage,
  encodeSweepMessage,
  MAX_SWEEP_MESSAGE_CHARS,
} from '../../../shared/fanout/sweep-message.js';

const message = { v: 1 as const, environment: 'prod' as EnvironmentName, tick: '2026-12-06T10:00:00.000Z' };

describe('sweep queue messages', () => {
  it('round-trips, as text or as the object the Functions host already parsed', () => {
    expect(decodeSweepMessage(encodeSweepMessage(message))).toEqual(message);
    expect(decodeSweepMessage(JSON.parse(encodeSweepMessage(message)))).toEqual(message);
  });

  it('names what is wrong with a message that is not ours, without quoting it', () => {
    expect(decodeSweepMessage('x'.repeat(MAX_SWEEP_MESSAGE_CHARS + 1))).toEqual({
      invalid: `longer than ${MAX_SWEEP_MESSAGE_CHARS} characters`,
    });
    expect(decodeSweepMessage('{not json')).toEqual({ invalid: 'not JSON' });
    expect(decodeSweepMessage({ ...message, environment: 'Prod;DROP' })).toEqual({
      invalid: 'field environment: custom',
    });
    expect(decodeSweepMessage({ ...message, tick: 'yesterday' })).toEqual({
      invalid: 'field tick: invalid_string',
    });
    expect(decodeSweepMessage({ ...message, extra: 1 })).toEqual({
      invalid: 'field (top): unrecognized_keys',
    });
    expect(decodeSweepMessage({ ...message, v: 2 })).toEqual({ invalid: 'field v: invalid_literal' });
  });

  it('takes a shard index or "finish" as the part, and names the claim of each part', () => {
    expect(decodeSweepMessage({ ...message, part: 3 })).toEqual({ ...message, part: 3 });
    expect(decodeSweepMessage({ ...message, part: 'finish' })).toEqual({ ...message, part: 'finish' });
    expect(decodeSweepMessage({ ...message, part: 10_000 })).toEqual({ ...message, part: 10_000 });
    for (const part of [-1, 10_001, 1.5, 'start', '3'])
      expect(decodeSweepMessage({ ...message, part })).toEqual({
        invalid: expect.stringMatching(/^field part: /),
      });
    expect(claimPart(message)).toBe('sweep');
    expect(claimPart({ ...message, part: 7 })).toBe('shard-7');
    expect(claimPart({ ...message, part: 'finish' })).toBe('finish');
  });

  it('parses a message of exactly the size limit (only longer ones are refused unread)', () => {
    const padded = encodeSweepMessage(message).padEnd(MAX_SWEEP_MESSAGE_CHARS, ' ');
    expect(padded).toHaveLength(MAX_SWEEP_MESSAGE_CHARS);
    expect(decodeSweepMessage(padded)).toEqual(message);
  });
});
