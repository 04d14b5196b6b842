/**
 * NCRONTAB, the six-field cron dialect of Azure Functions timers ("{second} {minute} {hour} {day}
 * {month} {day-of-week}"), enough to tell whether an environment's own schedule falls due on a tick
 * of the sweep timer. Supports `*`, numbers, ranges `a-b`, lists `a,b` and steps `* /n`, `a-b/n`.
 * Names of months and days are not supported (the error says so).
 */
export interface NcrontabSchedule {
  /** As written in the config. */
  expression: string;
  /** Allowed values per field, in field order; set[v] is true when v matches. */
  fields: readonly (readonly boolean[])[];
}

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
] as const;

/** The parsed schedule, or a message saying what is wrong with it. */
export function parseNcrontab(expression: string): NcrontabSchedule | string {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `expected 6 fields "{second} {minute} {hour} {day} {month} {day-of-week}", e.g. "0 */5 * * * *"; got ${parts.length}`;
  }
  const fields: boolean[][] = [];
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    const allowed = parseField(part!, field.min, field.max);
    if (typeof allowed === 'string') return `${field.name} field "${part}": ${allowed}`;
    fields.push(allowed);
  }
  return { expression: expression.trim(), fields };
}

function parseField(text: string, min: number, max: number): boolean[] | string {
  // Stryker disable next-line ArrayDeclaration,ArithmeticOperator: equivalent, firesAt asks `=== true` and a JS array grows
  const allowed = new Array<boolean>(max + 1).fill(false);
  for (const item of text.split(',')) {
    const match = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(item);
    if (!match) return `expected *, a number, a range a-b, a list, or a step */n (names are not supported)`;
    const from = match[1] === '*' ? min : Number(match[2]);
    const to = match[1] === '*' ? max : match[3] !== undefined ? Number(match[3]) : match[4] ? max : from;
    const step = match[4] !== undefined ? Number(match[4]) : 1;
    if (from < min || to > max || from > to) return `values must be within ${min}-${max}`;
    if (step < 1) return 'a step must be at least 1';
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  return allowed;
}

/** Whether the schedule fires at this second (UTC, as Azure Functions evaluates schedules by default). */
export function firesAt(schedule: NcrontabSchedule, at: Date): boolean {
  const values = [
    at.getUTCSeconds(),
    at.getUTCMinutes(),
    at.getUTCHours(),
    at.getUTCDate(),
    at.getUTCMonth() + 1,
    at.getUTCDay(),
  ];
  return values.every((v, i) => schedule.fields[i]![v] === true);
}

/** Longest window `firesWithin` scans: a day of seconds, so a call is bounded whatever it is given. */
export const MAX_WINDOW_SECONDS = 86_400;

/**
 * Whether the schedule fires at some whole second in (after, upTo]: the tick at `upTo` sweeps an
 * environment whose schedule came due since the previous tick at `after`.
 */
export function firesWithin(schedule: NcrontabSchedule, after: Date, upTo: Date): boolean {
  const last = Math.floor(upTo.getTime() / 1000);
  const first = Math.max(Math.floor(after.getTime() / 1000) + 1, last - MAX_WINDOW_SECONDS + 1);
  for (let s = first; s <= last; s++) if (firesAt(schedule, new Date(s * 1000))) return true;
  return false;
}

/**
 * The latest second at or before `before` at which the schedule fires, looking back at most
 * MAX_WINDOW_SECONDS; null when it does not fire in that window.
 */
export function previousFiring(schedule: NcrontabSchedule, before: Date): Date | null {
  const last = Math.floor(before.getTime() / 1000);
  for (let s = last; s > last - MAX_WINDOW_SECONDS; s--) {
    const at = new Date(s * 1000);
    if (firesAt(schedule, at)) return at;
  }
  return null;
}
