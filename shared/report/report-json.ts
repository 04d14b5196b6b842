import type { SweepReport } from '../domain/sweep-report.js';

/** The `--json` output: exactly one JSON document, newline-terminated. */
export function renderReportJson(report: SweepReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
