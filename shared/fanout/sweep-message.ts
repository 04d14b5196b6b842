import { z } from 'zod';
import { type EnvironmentName, parseEnvironmentName } from '../domain/environment-name.js';

/**
 * What the timer puts on the sweep queue: one message per environment due at a tick. The tick names
 * the sweep, so a second delivery of the same message is recognised as the same sweep.
 */
export interface SweepMessage {
  v: 1;
  environment: EnvironmentName;
  /** The timer tick this sweep belongs to, ISO 8601. */
  tick: string;
  /**
   * Absent: sweep the environment (sharding it when it is too big). A number: probe from that shard
   * of a sharded sweep. "finish": diagnose a sharded sweep with whatever shards reported (sent with
   * a delay of one sweep deadline, so a lost shard never holds the sweep up).
   */
  part?: number | 'finish';
}

/** What the claim of a message's work is called: one per sweep, shard and finish. */
export function claimPart(message: SweepMessage): string {
  return message.part === undefined
    ? 'sweep'
    : message.part === 'finish'
      ? 'finish'
      : `shard-${message.part}`;
}

/** Longer than any message the timer writes; anything longer is not ours and is not parsed. */
export const MAX_SWEEP_MESSAGE_CHARS = 512;

const sweepMessageSchema = z
  .object({
    v: z.literal(1),
    environment: z.string().refine((name) => parseEnvironmentName(name) !== null),
    tick: z.string().datetime(),
    part: z.union([z.number().int().min(0).max(10_000), z.literal('finish')]).optional(),
  })
  .strict();

export function encodeSweepMessage(message: SweepMessage): string {
  return JSON.stringify(message);
}

/**
 * The message, or why it is not one (never quoting it). The Functions host hands the trigger the
 * message already decoded from base64 and, when it is JSON, parsed: both forms are accepted.
 */
export function decodeSweepMessage(body: unknown): SweepMessage | { invalid: string } {
  let value = body;
  if (typeof body === 'string') {
    if (body.length > MAX_SWEEP_MESSAGE_CHARS)
      return { invalid: `longer than ${MAX_SWEEP_MESSAGE_CHARS} characters` };
    try {
      value = JSON.parse(body);
    } catch {
      return { invalid: 'not JSON' };
    }
  }
  const parsed = sweepMessageSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Stryker disable next-line StringLiteral: equivalent, the schema is flat (paths of one key)
    return { invalid: `field ${issue.path.join('.') || '(top)'}: ${issue.code}` };
  }
  return parsed.data as SweepMessage;
}
