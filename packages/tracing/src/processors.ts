import {
  createNoopMeter,
  type AnyValue,
  type Attributes,
  type Context,
  type Counter,
  type Meter,
  type MeterProvider,
  type SpanStatus,
} from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  createRedactor,
  redactCredentials,
  redactUrl,
  sensitiveKeyMatcher,
  type Redactor,
} from '@obs/core';

/** What became of finished spans, for a metrics gauge or a health check. */
export interface TracingStats {
  /** Spans the exporter accepted. */
  spansExported: number;
  /** Spans dropped because the export queue was full (the exporter is slower than the app). */
  spansDropped: number;
  /** Spans lost in failed exports (endpoint down, timed out or refusing). */
  spansFailed: number;
}

/**
 * A MeterProvider for the SDK's own span-processor metrics (`otel.sdk.processor.span.processed`,
 * with `error.type="queue_full"` for drops), kept as plain numbers instead of exported metrics.
 */
export function statsMeterProvider(stats: TracingStats): MeterProvider {
  const noop = createNoopMeter();
  const processed: Counter = {
    add(count: number, attributes?: Attributes) {
      const error = attributes?.['error.type'];
      if (error === undefined) stats.spansExported += count;
      else if (error === 'queue_full') stats.spansDropped += count;
      else stats.spansFailed += count;
    },
  };
  const meter: Meter = Object.create(noop, {
    createCounter: {
      value: (name: string, options?: object) =>
        name === 'otel.sdk.processor.span.processed'
          ? processed
          : noop.createCounter(name, options),
    },
  }) as Meter;
  return { getMeter: () => meter };
}

/** Values that are free text or URLs: scrubbed of credentials whatever their key. */
const URL_KEYS = new Set(['url.full', 'http.url', 'url.original', 'db.connection_string']);
const TEXT_KEYS = new Set([
  'exception.message',
  'exception.stacktrace',
  'db.query.text',
  'db.statement',
]);

/**
 * Runs first among the provider's processors, as each span ends (`onEnding`, before any other
 * processor's `onEnding` or `onEnd`): attributes of the span, its events and its links pass
 * through core's redaction policy in place, so exporters, the memory ring and every processor's
 * `onEnd` see no secret. Until then the span holds what the code set: a processor's `onStart` gets
 * the live span with its start attributes as given, and anything holding it sees later ones as
 * they are set. Scrubbing at start too would not change that (later attributes still arrive raw),
 * so the promise is made at the end only. The decision is the key's
 * (`http.request.header.authorization`, `app.api_key`, `db.password`); URL-valued attributes lose
 * credentials and sensitive query values, and exception messages, stacks, statements and the
 * status message lose passwords quoted in URLs. Maps and arrays, which SDK 3 keeps as attribute
 * values (OTLP AnyValue), are walked: keys inside them get the same decision as in a log line.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly isSensitive: (key: string) => boolean;
  private readonly redact: Redactor;

  constructor(paths: readonly string[] = []) {
    this.isSensitive = sensitiveKeyMatcher(paths);
    this.redact = createRedactor({ paths });
  }

  /**
   * A structured value under a key the policy lets through: redacted under that key read as one
   * name and as dotted levels, the two readings `sensitiveKeyMatcher` gives the key itself.
   */
  private scrubNested(key: string, value: object): AnyValue {
    const flat = (this.redact({ [key]: value }) as Record<string, unknown>)[key];
    const segments = key.split('.');
    let nested: unknown = flat;
    for (let i = segments.length - 1; i >= 0; i--) nested = { [segments[i]!]: nested };
    let out = this.redact(nested);
    for (const segment of segments) out = (out as Record<string, unknown> | undefined)?.[segment];
    return out;
  }

  private scrub(attributes: Attributes): void {
    const out = attributes as Record<string, AnyValue>;
    for (const key in out) {
      const value = out[key];
      if (this.isSensitive(key)) out[key] = '[REDACTED]';
      else if (typeof value === 'string') {
        if (URL_KEYS.has(key)) out[key] = redactUrl(value);
        else if (TEXT_KEYS.has(key)) out[key] = redactCredentials(value);
      } else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
        out[key] = this.scrubNested(key, value);
      }
    }
  }

  onStart(_span: Span, _context: Context): void {}

  onEnding(span: Span): void {
    this.scrub(span.attributes);
    for (const event of span.events) if (event.attributes) this.scrub(event.attributes);
    for (const link of span.links) if (link.attributes) this.scrub(link.attributes);
    if (span.status.message)
      (span as { status: SpanStatus }).status = {
        ...span.status,
        message: redactCredentials(span.status.message),
      };
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A finished span in plain values: what a service's own trace page reads (`SpanRing.records()`). */
export interface SpanRecord {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  name: string;
  /** `server`, `client`, `internal`, `producer` or `consumer`. */
  kind: string;
  /** Epoch milliseconds (fractional). */
  start_ms: number;
  duration_ms: number;
  status: 'unset' | 'ok' | 'error';
  status_message?: string;
  attributes: Record<string, unknown>;
  events: { name: string; time_ms: number; attributes: Record<string, unknown> }[];
}

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUSES = ['unset', 'ok', 'error'] as const;
const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1000 + nanos / 1e6;

function toRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  const record: SpanRecord = {
    trace_id: traceId,
    span_id: spanId,
    name: span.name,
    kind: KINDS[span.kind] ?? 'internal',
    start_ms: ms(span.startTime),
    duration_ms: ms(span.duration),
    status: STATUSES[span.status.code],
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({
      name: e.name,
      time_ms: ms(e.time),
      attributes: { ...e.attributes },
    })),
  };
  const parent = span.parentSpanContext?.spanId;
  if (parent) record.parent_span_id = parent;
  if (span.status.message) record.status_message = span.status.message;
  return record;
}

/**
 * The last `max` finished spans, in memory: the 'memory' exporter, or (with `recentSpans`) a ring
 * kept beside another exporter for a service's own trace page. Spans arrive already redacted.
 */
export class SpanRing implements SpanExporter {
  private ring: (ReadableSpan | undefined)[];
  private total = 0;
  private stopped = false;

  constructor(readonly max = 1000) {
    this.ring = new Array<ReadableSpan | undefined>(max);
  }

  /** Keeps one finished span (the oldest held goes when the ring is full). */
  add(span: ReadableSpan): void {
    this.ring[this.total % this.max] = span;
    this.total++;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    for (const span of spans) this.add(span);
    done({ code: ExportResultCode.SUCCESS });
  }

  /** Finished spans, oldest first. */
  getFinishedSpans(): ReadableSpan[] {
    const held = Math.min(this.total, this.max);
    const out: ReadableSpan[] = [];
    for (let i = this.total - held; i < this.total; i++) out.push(this.ring[i % this.max]!);
    return out;
  }

  /** Finished spans, oldest first, as plain values (ids, times in ms, attributes, events). */
  records(): SpanRecord[] {
    return this.getFinishedSpans().map(toRecord);
  }

  reset(): void {
    this.ring = new Array<ReadableSpan | undefined>(this.max);
    this.total = 0;
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Feeds a {@link SpanRing} as spans end, beside the provider's exporter (`recentSpans`). */
export class RingProcessor implements SpanProcessor {
  constructor(private readonly ring: SpanRing) {}
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ring.add(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
