import { reportJsonChunks } from '../domain/report-json-chunks.js';
import type { SweepReport } from '../domain/sweep-report.js';

/** The `--json` output: exactly one JSON document, newline-terminated. */
export function renderReportJson(report: SweepReport): string {
  return [...reportJsonChunks(report, 2), '\n'].join('');
}
