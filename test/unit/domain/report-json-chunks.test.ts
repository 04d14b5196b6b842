import { describe, expect, it } from 'vitest';
import { reportJsonBytes, reportJsonChunks } from '../../../shared/domain/report-json-chunks.js';
import type { SweepReport } from '../../../shared/domain/sweep-report.js';
import { writeReportJson } from '../../../shared/report/report-json.js';
import { hostProblemsReport, labFaultReport, largeMeshReport } from '../../support/sweep-report-builder.js';

const AT = new Date('2026-03-02T10:00:00.000Z');

const REPORTS: [string, SweepReport][] = [
  ['a lab fault report', labFaultReport(AT)],
  ['a report with host problems', hostProblemsReport(AT)],
  ['a 30-host mesh (many chunks)', largeMeshReport(AT, 30)],
  [
    'odd shapes: empty arrays, undefined and unknown fields, text JSON must escape',
    {
      ...labFaultReport(AT),
      hosts: [],
      sampling: undefined,
      note: 'line\nbreak "quoted" \\ → \u2028',
      nested: { list: [1, [], {}], empty: {} },
      holes: [undefined, () => 1, 'x'],
      'odd [key]: "x"': [{ a: 1 }],
      fn: () => 1,
      sym: Symbol('left out'),
      exactlyOneRun: Array.from({ length: 256 }, (_, i) => ({ i })),
      exactlyTwoRuns: Array.from({ length: 512 }, (_, i) => i),
    } as unknown as SweepReport,
  ],
  ['no fields at all', {} as SweepReport],
];

describe('the report as JSON in pieces', () => {
  it.each(REPORTS)('is the same text JSON.stringify gives, compact and indented: %s', (_, report) => {
    expect([...reportJsonChunks(report)].join('')).toBe(JSON.stringify(report));
    expect([...reportJsonChunks(report, 2)].join('')).toBe(JSON.stringify(report, null, 2));
  });

  it('never holds a large report as one string: a piece is at most a run of 256 elements', () => {
    const report = largeMeshReport(AT, 40);
    const pieces = [...reportJsonChunks(report, 2)];
    const longestElement = Math.max(
      ...[...report.paths, ...report.verdicts].map((e) => JSON.stringify(e, null, 2).length + 10),
    );
    expect(pieces.length).toBeGreaterThan(Math.floor((report.paths.length + report.verdicts.length) / 256));
    for (const piece of pieces) expect(piece.length).toBeLessThan(256 * longestElement + 1000);
  });

  it.each(REPORTS)('as UTF-8 bytes for an HTTP answer, compact and newline-terminated: %s', (_, report) => {
    expect(reportJsonBytes(report).equals(Buffer.from(`${JSON.stringify(report)}\n`, 'utf8'))).toBe(true);
  });

  it('prints one newline-terminated document for --json, and several reports as one array', () => {
    const written = (reports: SweepReport[]) => {
      let text = '';
      writeReportJson(reports, (piece) => {
        text += piece;
      });
      return text;
    };
    const report = labFaultReport(AT);
    const other = hostProblemsReport(AT);
    expect(written([report])).toBe(`${JSON.stringify(report, null, 2)}\n`);
    expect(JSON.parse(written([report, other]))).toEqual([report, other]);
  });
});
