/**
 * The one definition of the ping settings tunnelwatch accepts. The config schema checks the numbers
 * an operator writes and the exec batch checks the argv text it is about to run with the same rules,
 * so a value the config accepts is never refused by the batch (which would leave every ICMP path
 * `unknown` forever and never alert).
 */
export const PING_LIMITS = {
  count: { min: 1, max: 100 },
  // iputils refuses intervals below 0.2 s for unprivileged users; BusyBox accepts fractions.
  intervalSec: { min: 0.2, max: 10, decimals: 3 },
  // BusyBox -W takes whole seconds.
  timeoutSec: { min: 1, max: 30 },
} as const;

export type PingSetting = keyof typeof PING_LIMITS;

// Built once: the batch checks the interval of every ping job (about 80,000 in a 200-host sweep).
const INTERVAL_TEXT = new RegExp(`^\\d+(?:\\.\\d{1,${PING_LIMITS.intervalSec.decimals}})?$`);

/** Why `value` is not a valid setting, as a phrase for "pingX <phrase>", or null when it is. */
export function pingSettingIssue(setting: PingSetting, value: number): string | null {
  if (!Number.isFinite(value)) return 'must be a number';
  if (setting === 'intervalSec') {
    const { min, max, decimals } = PING_LIMITS.intervalSec;
    if (value < min) return `must be at least ${min}`;
    if (value > max) return `must be at most ${max}`;
    if (!INTERVAL_TEXT.test(pingArg(value)))
      return `must have at most ${decimals} decimals (ping takes milliseconds), e.g. 0.333`;
    return null;
  }
  const { min, max } = PING_LIMITS[setting];
  if (!Number.isInteger(value))
    return setting === 'count' ? 'must be a whole number' : 'must be a whole number of seconds';
  if (value < min) return `must be at least ${min}`;
  if (value > max) return `must be at most ${max}`;
  return null;
}

/** The argv text of a setting: the shortest decimal form, which `isPingArg` accepts back. */
export function pingArg(value: number): string {
  return String(value);
}

const ARG_TEXT = /^(?:0|[1-9]\d{0,2})(?:\.\d{1,3})?$/;

/** Checks argv text before it reaches the agent: plain decimal digits only, then the same rules. */
export function isPingArg(setting: PingSetting, text: string): boolean {
  if (!ARG_TEXT.test(text)) return false;
  const value = Number(text);
  return pingArg(value) === text && pingSettingIssue(setting, value) === null;
}
