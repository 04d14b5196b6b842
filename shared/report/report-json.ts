import { reportJsonChunks } from '../domain/report-json-chunks.js';
import type { SweepReport } from '../domain/sweep-report.js';

/**
 * The `--json` output, written piece by piece (a 200-host report is never one string): one
 * environment's report as one newline-terminated document, as before environments existed; several
 * as one array of reports.
 */
export function writeReportJson(reports: readonly SweepReport[], write: (text: string) => unknown): void {
  const several = reports.length > 1;
  if (several) write('[\n');
  for (const [i, report] of reports.entries()) {
    if (i > 0) write(',\n');
    for (const piece of reportJsonChunks(report, 2)) write(piece);
  }
  write(several ? '\n]\n' : '\n');
}
