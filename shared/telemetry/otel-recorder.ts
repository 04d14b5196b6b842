import { type Attributes, metrics } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';
import { printableText } from '../domain/printable-text.js';
import { INSTRUMENTATION_SCOPE, METRICS, type MetricKey } from './names.js';
import type { EventRecord, TelemetryRecord } from './telemetry-records.js';

// The exporter turns a log record carrying this attribute into an Application Insights custom
// event (customEvents / AppEvents, Name = the value) instead of a trace message.
const CUSTOM_EVENT_NAME = 'microsoft.custom_event.name';

const SEVERITY: Record<EventRecord['severity'], SeverityNumber> = {
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

interface Instrument {
  record(value: number, attributes: Attributes): void;
}

/**
 * Emits records through the global OpenTelemetry API. Instruments are created lazily, after the
 * SDK was started: the metrics API has no proxy, so earlier ones would stay no-ops forever.
 */
export class OtelRecorder {
  private readonly instruments = new Map<MetricKey, Instrument>();

  private instrument(key: MetricKey): Instrument {
    const existing = this.instruments.get(key);
    if (existing) return existing;
    const meter = metrics.getMeter(INSTRUMENTATION_SCOPE);
    const { name, kind, unit, description } = METRICS[key];
    let created: Instrument;
    if (kind === 'histogram') created = meter.createHistogram(name, { unit, description });
    else if (kind === 'gauge') created = meter.createGauge(name, { unit, description });
    else {
      const counter = meter.createCounter(name, { unit, description });
      created = { record: (value, attributes) => counter.add(value, attributes) };
    }
    this.instruments.set(key, created);
    return created;
  }

  emit(records: readonly TelemetryRecord[]): void {
    const logger = logs.getLogger(INSTRUMENTATION_SCOPE);
    for (const record of records) {
      if (record.kind === 'metric') {
        const instrument = this.instrument(record.metric);
        for (const value of record.values) instrument.record(value, record.dimensions);
      } else {
        logger.emit({
          severityNumber: SEVERITY[record.severity],
          severityText: record.severity.toUpperCase(),
          body: printableText(record.message),
          attributes: { ...record.attributes, [CUSTOM_EVENT_NAME]: record.name },
        });
      }
    }
  }
}
