/**
 * Row keys that sort newest first: Table Storage returns rows in ascending key order, so the key is
 * the time subtracted from a far-future constant, zero-padded to a fixed width.
 */
const FAR_FUTURE_MS = 9_999_999_999_999; // 2286-11-20
const WIDTH = String(FAR_FUTURE_MS).length;

export function invertedTimeKey(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms) || ms < 0 || ms > FAR_FUTURE_MS) {
    throw new Error(`cannot key a report by time "${String(at)}": startedAt must be an ISO date after 1970`);
  }
  return String(FAR_FUTURE_MS - ms).padStart(WIDTH, '0');
}
