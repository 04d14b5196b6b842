import { describe, expect, it } from 'vitest';
import { sweepIntervalFromSchedule } from '../../../../shared/report/html/sweep-interval.js';

describe('sweepIntervalFromSchedule', () => {
  it.each([
    ['0 */1 * * * *', 60_000],
    ['0 * * * * *', 60_000],
    ['0 */5 * * * *', 300_000],
    ['*/30 * * * * *', 30_000],
    ['0 0 */2 * * *', 7_200_000],
  ])('reads %s as %d ms', (schedule, ms) => {
    expect(sweepIntervalFromSchedule(schedule)).toBe(ms);
  });

  it.each([undefined, '', '0 5 * * * *', '0 */5 9-17 * * 1-5', '*/5 * * * *'])(
    'gives up on %s',
    (schedule) => {
      expect(sweepIntervalFromSchedule(schedule)).toBeNull();
    },
  );
});
