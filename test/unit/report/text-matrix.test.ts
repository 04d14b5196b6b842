import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES, EXIT_USAGE, exitCodeFor } from '../../../shared/report/exit-code.js';
import { writeReportJson } from '../../../shared/report/report-json.js';
import { renderTextMatrix } from '../../../shared/report/text-matrix.js';
import { buildReport } from '../../support/sweep-report-builder.js';

/** Three hosts: h1→h2 lossy, h3's Docker endpoint dead; verdicts and advice are diagnose's own. */
const SAMPLE_REPORT = buildReport({
  hosts: 3,
  startedAt: '2026-01-02T03:04:05.000Z',
  durationMs: 812,
  faults: { 'h1>h2': 'packet-loss' },
  hostFindings: {
    h3: [
      {
        code: 'docker-unreachable',
        message: 'tcp://198.18.0.99:2376: list containers: Docker endpoint unreachable (ECONNREFUSED)',
      },
    ],
  },
});
// Docker reports full 64-hex container ids; the matrix shows the short form.
SAMPLE_REPORT.hosts[0]!.agent!.containerId = 'a'.repeat(64);

const GOLDEN = new URL('../../fixtures/golden/text-matrix.txt', import.meta.url);

describe('renderTextMatrix', () => {
  it('matches the golden file (UPDATE_GOLDEN=1 rewrites it)', () => {
    const text = renderTextMatrix(SAMPLE_REPORT);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});

describe('exit codes', () => {
  it.each([
    ['up', 0],
    ['degraded', 1],
    ['down', 2],
    ['unknown', 3],
  ] as const)('%s → %i', (status, code) => {
    expect(exitCodeFor(status)).toBe(code);
  });
  it('gives usage and config errors a code no sweep state uses, so a plugin never reads a typo as a state', () => {
    expect(Object.values(EXIT_CODES)).not.toContain(EXIT_USAGE);
    // The README's table is checked against the CLI's behaviour in test/unit/docs/readme-claims.test.ts.
  });
});

describe('writeReportJson', () => {
  it('prints exactly one JSON document that round-trips', () => {
    let text = '';
    writeReportJson([SAMPLE_REPORT], (piece) => {
      text += piece;
    });
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(SAMPLE_REPORT);
  });
});
