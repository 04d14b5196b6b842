import { z } from 'zod';
import { CAUSES } from '../../shared/domain/cause.js';
import { PROBE_KINDS } from '../../shared/domain/probe-kind.js';

// The JSON contract of `tunnelwatch sweep --json` as the README states it, written independently of
// the TypeScript types so a drift between the two fails a test. Extra fields are allowed.
const state = z.enum(['up', 'degraded', 'down', 'unknown']);
const rtt = z.object({ min: z.number(), avg: z.number(), max: z.number() });

export const reportContract = z.object({
  schemaVersion: z.literal(1),
  startedAt: z.string().datetime(),
  durationMs: z.number().int().nonnegative(),
  status: state,
  hosts: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['up', 'down', 'unknown']),
      agent: z.object({ containerId: z.string(), overlayIp: z.string().ip({ version: 'v4' }) }).nullable(),
      error: z.string().optional(),
    }),
  ),
  paths: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      probe: z.enum(PROBE_KINDS),
      state,
      sent: z.number().int().nonnegative(),
      received: z.number().int().nonnegative(),
      lossRatio: z.number().min(0).max(1),
      rttMs: rtt.nullable(),
    }),
  ),
  verdicts: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      state,
      cause: z.enum(CAUSES),
      advice: z.string().min(1),
    }),
  ),
});
