import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeReportRow,
  encodeReportRow,
  MAX_REPORT_JSON_BYTES,
} from '../../../shared/history/report-row-codec.js';
import { hostProblemsReport, labFaultReport, largeMeshReport } from '../../support/sweep-report-builder.js';

const AT = new Date('2026-03-02T10:00:00.000Z');

/** A row as the store writes it, holding `bytes` gzipped (one chunk is enough for these tests). */
function rowOf(bytes: Buffer): Record<string, unknown> {
  return { encoding: 'gzip-json', chunks: 1, c0: new Uint8Array(bytes) };
}
const rowOfJson = (value: unknown) => rowOf(gzipSync(Buffer.from(JSON.stringify(value))));

describe('report rows: validated once, at the storage boundary', () => {
  it.each([
    ['the lab faults', labFaultReport(AT)],
    ['host problems', hostProblemsReport(AT)],
    ['a 50-host mesh', largeMeshReport(AT)],
  ])('reads back %s exactly as written (the schema keeps every field of the contract)', (_name, report) => {
    expect(decodeReportRow(encodeReportRow(report) as unknown as Record<string, unknown>)).toEqual(report);
  });

  it('refuses a report whose fields break the contract, naming where and never quoting the value', () => {
    const report = labFaultReport(AT);
    const broken = structuredClone(report) as unknown as { verdicts: { state: string }[] };
    broken.verdicts[1]!.state = 'up" onclick="alert(5)';
    expect(() => decodeReportRow(rowOfJson(broken))).toThrow(
      /does not match the report contract at verdicts\[1\]\.state/,
    );
    try {
      decodeReportRow(rowOfJson(broken));
    } catch (error) {
      expect(String(error)).not.toContain('onclick');
    }
    const badRtt = structuredClone(report) as unknown as { paths: { rttMs: unknown }[] };
    badRtt.paths[0]!.rttMs = { min: '1;}</style>', avg: 1, max: 1 };
    expect(() => decodeReportRow(rowOfJson(badRtt))).toThrow(/at paths\[0\]\.rttMs\.min/);
    const badHost = structuredClone(report) as unknown as { hosts: { name: string }[] };
    badHost.hosts[0]!.name = '<img src=x>';
    expect(() => decodeReportRow(rowOfJson(badHost))).toThrow(/at hosts\[0\]\.name/);
  });

  it('refuses a row that is not gzip or not JSON', () => {
    expect(() => decodeReportRow(rowOf(Buffer.from('plain text')))).toThrow(/not valid gzip/);
    expect(() => decodeReportRow(rowOf(gzipSync(Buffer.from('{"schemaVersion":'))))).toThrow(
      /does not hold JSON/,
    );
  });

  it('refuses a row that inflates far past the bound, before holding it in memory', () => {
    // Concatenated gzip members inflate one after another: ~400 KB of row, ~400 MB of output.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const members = Math.ceil((400 * 1024 * 1024) / (1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: members }, () => member));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(members * 1024 * 1024).toBeGreaterThan(10 * MAX_REPORT_JSON_BYTES);
    const before = process.memoryUsage().rss;
    expect(() => decodeReportRow(rowOf(bomb))).toThrow(`inflates past ${MAX_REPORT_JSON_BYTES} bytes`);
    // It stopped at the bound: nowhere near the 400 MB the row would have become.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('report rows: only what reads back is written', () => {
  it('refuses to store a report the decoder would refuse, naming the field', () => {
    const report = labFaultReport(AT);
    const sa = report.paths.find((p) => p.sa)!.sa!;
    sa.bytesIn = Number.POSITIVE_INFINITY; // JSON would store null, which no reader accepts
    const at = report.paths.findIndex((p) => p.sa === sa);
    expect(() => encodeReportRow(report)).toThrow(
      `the sweep report does not match the report contract at paths[${at}].sa.bytesIn`,
    );
  });
});
