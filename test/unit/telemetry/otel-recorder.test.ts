import { type LogRecord, logs } from '@opentelemetry/api-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { OtelRecorder } from '../../../shared/telemetry/otel-recorder.js';
import type { EventRecord } from '../../../shared/telemetry/telemetry-records.js';

// Event messages quote host text (daemon errors, container names): the log body that reaches Azure
// Monitor, and every log viewer that shows it, gets it escaped like the CLI does.
describe('OtelRecorder event bodies', () => {
  afterEach(() => logs.disable());

  it('escape terminal controls and bidi overrides in host text (a message may keep its line breaks), and keep the event name', () => {
    const emitted: LogRecord[] = [];
    logs.setGlobalLoggerProvider({
      getLogger: () => ({ emit: (r: LogRecord) => void emitted.push(r), enabled: () => true }),
    });
    const event = {
      kind: 'event',
      name: 'tunnelwatch.verdict.changed',
      message: 'h1 → h2: docker said \u001b]0;owned\u0007\nFAKE LINE \u202e',
      severity: 'warn',
      attributes: { from: 'h1' },
    } as unknown as EventRecord;
    new OtelRecorder().emit([event]);
    expect(emitted).toHaveLength(1);
    const body = String(emitted[0]!.body);
    for (const raw of ['\u001b', '\u0007', '\u202e']) expect(body).not.toContain(raw);
    expect(body).toContain('\\u001b]0;owned\\u0007\nFAKE LINE \\u202e');
    expect(emitted[0]!.attributes).toMatchObject({
      from: 'h1',
      'microsoft.custom_event.name': 'tunnelwatch.verdict.changed',
    });
    expect(emitted[0]!.severityText).toBe('WARN');
  });
});
