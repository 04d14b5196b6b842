import { describe, expect, it } from 'vitest';
import type { TunnelwatchConfig } from '../../../shared/config/tunnelwatch-config.js';
import type { EnvironmentName } from '../../../shared/domain/environment-name.js';
import {
  firesAt,
  firesWithin,
  type NcrontabSchedule,
  parseNcrontab,
  previousFiring,
} from '../../../shared/schedule/ncrontab.js';
import { timerTicks } from '../../../shared/schedule/timer-ticks.js';
import { dueEnvironments } from '../../../shared/sweep/due-environments.js';

const schedule = (expression: string): NcrontabSchedule => {
  const parsed = parseNcrontab(expression);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};
const at = (iso: string) => new Date(iso);

describe('NCRONTAB schedules', () => {
  it('reads the six fields: *, numbers, ranges, lists and steps', () => {
    const every10s = schedule('*/10 * * * * *');
    expect(firesAt(every10s, at('2026-12-06T10:00:20Z'))).toBe(true);
    expect(firesAt(every10s, at('2026-12-06T10:00:25Z'))).toBe(false);
    const officeHours = schedule('0 0,30 9-17 * * 1-5');
    expect(firesAt(officeHours, at('2026-12-07T09:30:00Z'))).toBe(true); // a Monday
    expect(firesAt(officeHours, at('2026-12-06T09:30:00Z'))).toBe(false); // a Sunday
    expect(firesAt(officeHours, at('2026-12-07T18:00:00Z'))).toBe(false);
    const fromFiveEvery20 = schedule('5/20 * * * * *');
    expect(
      [5, 25, 45].every((s) =>
        firesAt(fromFiveEvery20, at(`2026-12-06T10:00:${String(s).padStart(2, '0')}Z`)),
      ),
    ).toBe(true);
    expect(firesAt(fromFiveEvery20, at('2026-12-06T10:00:15Z'))).toBe(false);
    expect(firesAt(schedule('0 0 0 1 1 *'), at('2027-01-01T00:00:00Z'))).toBe(true);
  });

  it('says which field is wrong and how, never accepting a 5-field crontab silently', () => {
    expect(parseNcrontab('*/5 * * * *')).toMatch(/expected 6 fields .* got 5/);
    expect(parseNcrontab('0 61 * * * *')).toBe('minute field "61": values must be within 0-59');
    expect(parseNcrontab('0 * * * JAN *')).toMatch(/^month field "JAN": .*names are not supported/);
    expect(parseNcrontab('0 0 * 0 * *')).toBe('day field "0": values must be within 1-31');
    expect(parseNcrontab('*/0 * * * * *')).toBe('second field "*/0": a step must be at least 1');
    expect(parseNcrontab('0 5-1 * * * *')).toBe('minute field "5-1": values must be within 0-59');
  });

  it('takes any whitespace between fields, and keeps the expression as written (trimmed)', () => {
    const spaced = schedule('  0  */5\t* * * *  ');
    expect(spaced.expression).toBe('0  */5\t* * * *');
    expect(firesAt(spaced, at('2026-12-06T10:05:00Z'))).toBe(true);
    // The top of each field's range is a value like any other.
    expect(firesAt(schedule('59 59 23 31 12 6'), at('2022-12-31T23:59:59Z'))).toBe(true);
    // A field is one item or a list of them, nothing around them.
    expect(parseNcrontab('x5 * * * * *')).toMatch(/^second field "x5": /);
    expect(parseNcrontab('5x * * * * *')).toMatch(/^second field "5x": /);
  });

  it('looks back one day at most, whatever window it is given', () => {
    const yearly = schedule('0 0 10 6 12 *'); // 6 December, 10:00:00
    // Exactly one day before upTo is outside the day looked back.
    expect(firesWithin(yearly, at('2026-12-01T00:00:00Z'), at('2026-12-07T10:00:00Z'))).toBe(false);
    expect(firesWithin(yearly, at('2026-12-01T00:00:00Z'), at('2026-12-07T09:59:59Z'))).toBe(true);
    expect(previousFiring(yearly, at('2026-12-07T10:00:00Z'))).toBeNull();
    expect(previousFiring(yearly, at('2026-12-07T09:59:59Z'))).toEqual(at('2026-12-06T10:00:00Z'));
  });

  it('fires within a window (after, upTo] and finds the latest firing before a time', () => {
    const everyMinute = schedule('0 * * * * *');
    expect(firesWithin(everyMinute, at('2026-12-06T10:00:00Z'), at('2026-12-06T10:00:59Z'))).toBe(false);
    expect(firesWithin(everyMinute, at('2026-12-06T10:00:00Z'), at('2026-12-06T10:01:00Z'))).toBe(true);
    expect(firesWithin(everyMinute, at('2026-12-06T09:59:59Z'), at('2026-12-06T10:00:00Z'))).toBe(true);
    expect(previousFiring(everyMinute, at('2026-12-06T10:00:42.5Z'))).toEqual(at('2026-12-06T10:00:00Z'));
    // Bounded: a schedule that fires once a year is not found within the day looked back.
    expect(previousFiring(schedule('0 0 0 1 1 *'), at('2026-12-06T10:00:00Z'))).toBeNull();
  });
});

describe('which environments a tick sweeps', () => {
  const env = (name: string, expression: string | null) =>
    ({
      environment: name as EnvironmentName,
      schedule: expression === null ? null : schedule(expression),
    }) as TunnelwatchConfig;
  const environments = [env('every-tick', null), env('five-minutes', '0 */5 * * * *')];

  it('sweeps an unscheduled environment on every tick, a scheduled one when its schedule came due', () => {
    const due = (previous: string, tick: string) =>
      dueEnvironments(environments, at(previous), at(tick)).map((e) => e.environment);
    expect(due('2026-12-06T10:00:00Z', '2026-12-06T10:01:00Z')).toEqual(['every-tick']);
    expect(due('2026-12-06T10:04:00Z', '2026-12-06T10:05:00Z')).toEqual(['every-tick', 'five-minutes']);
    // A tick that came late still sweeps what fell due since the last one.
    expect(due('2026-12-06T10:04:00Z', '2026-12-06T10:05:03Z')).toEqual(['every-tick', 'five-minutes']);
    // No previous tick known: everything is due (a sweep too many beats a gap).
    expect(dueEnvironments(environments, null, at('2026-12-06T10:01:00Z'))).toHaveLength(2);
  });

  it('finds the tick of a late timer invocation, and the tick before, from SWEEP_SCHEDULE', () => {
    expect(timerTicks('*/10 * * * * *', at('2026-12-06T10:00:21.7Z'))).toEqual({
      tick: at('2026-12-06T10:00:20Z'),
      previous: at('2026-12-06T10:00:10Z'),
    });
    expect(timerTicks('0 */1 * * * *', at('2026-12-06T10:00:00.004Z'))).toEqual({
      tick: at('2026-12-06T10:00:00Z'),
      previous: at('2026-12-06T09:59:00Z'),
    });
    // No schedule known, or one this code cannot read (e.g. a TimeSpan): the tick is now, and every
    // environment is due.
    expect(timerTicks(undefined, at('2026-12-06T10:00:21.7Z'))).toEqual({
      tick: at('2026-12-06T10:00:21Z'),
      previous: null,
    });
    expect(timerTicks('00:00:10', at('2026-12-06T10:00:21.7Z'))).toEqual({
      tick: at('2026-12-06T10:00:21Z'),
      previous: null,
    });
  });
});
