import type { TunnelwatchConfig } from '../config/tunnelwatch-config.js';
import { firesWithin } from '../schedule/ncrontab.js';

/**
 * Which environments the tick at `tick` sweeps: those without a schedule of their own (every tick),
 * and those whose schedule fired since the previous tick. Without a previous tick (the first one,
 * or a timer whose schedule could not be read) every environment is due: a sweep too many is
 * harmless, a sweep missed is a gap in monitoring.
 */
export function dueEnvironments(
  environments: readonly TunnelwatchConfig[],
  previousTick: Date | null,
  tick: Date,
): TunnelwatchConfig[] {
  return environments.filter(
    (e) => e.schedule === null || previousTick === null || firesWithin(e.schedule, previousTick, tick),
  );
}
