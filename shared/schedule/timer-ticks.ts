import { parseNcrontab, previousFiring } from './ncrontab.js';

/**
 * The tick a timer invocation belongs to and the tick before it, from the timer's own schedule:
 * the invocation may start late, so its tick is the latest firing at or before now. null previous
 * when the schedule cannot be read here (every environment is then due).
 */
export function timerTicks(schedule: string | undefined, now: Date): { tick: Date; previous: Date | null } {
  const second = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const parsed = schedule === undefined ? null : parseNcrontab(schedule);
  if (parsed === null || typeof parsed === 'string') return { tick: second, previous: null };
  const tick = previousFiring(parsed, second) ?? second;
  return { tick, previous: previousFiring(parsed, new Date(tick.getTime() - 1000)) };
}
