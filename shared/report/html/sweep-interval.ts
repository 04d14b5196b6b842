/**
 * The sweep interval implied by the timer's NCRONTAB schedule (six fields, seconds first), for the
 * page's staleness threshold. Only the regular forms are understood ("0 *\/5 * * * *", "*\/30 * * * * *",
 * "0 0 *\/1 * * *", "0 * * * * *"); anything else returns null and the caller keeps its default.
 */
export function sweepIntervalFromSchedule(schedule: string | undefined): number | null {
  const fields = schedule?.trim().split(/\s+/);
  if (fields?.length !== 6) return null;
  const [sec, min, hour, ...rest] = fields;
  if (rest.some((f) => f !== '*')) return null;
  const every = (field: string | undefined) => {
    if (field === '*') return 1;
    const m = /^\*\/(\d{1,2})$/.exec(field ?? '');
    return m ? Number(m[1]) : null;
  };
  if (sec !== '0') return every(sec) !== null && min === '*' && hour === '*' ? every(sec)! * 1000 : null;
  if (hour === '*') return every(min) !== null ? every(min)! * 60_000 : null;
  if (min === '0') return every(hour) !== null ? every(hour)! * 3_600_000 : null;
  return null;
}
