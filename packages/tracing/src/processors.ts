import {
  createNoopMeter,
  type Attributes,
  type AttributeValue,
  type Context,
  type Counter,
  type Meter,
  type MeterProvider,
  type SpanStatus,
} from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { redactCredentials, redactUrl, sensitiveKeyMatcher } from '@obs/core';

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
 * Runs first among the provider's processors, as each span ends (`onEnding`, before any
 * processor's `onEnd`): attributes of the span, its events and its links pass through core's
 * redaction policy in place, so no exporter or later processor sees a secret. The decision is the
 * key's (`http.request.header.authorization`, `app.api_key`, `db.password`); URL-valued attributes
 * lose credentials and sensitive query values, and exception messages, stacks, statements and the
 * status message lose passwords quoted in URLs.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  private readonly isSensitive: (key: string) => boolean;

  constructor(paths: readonly string[] = []) {
    this.isSensitive = sensitiveKeyMatcher(paths);
  }

  private scrub(attributes: Attributes): void {
    const out = attributes as Record<string, AttributeValue>;
    for (const key in out) {
      const value = out[key];
      if (this.isSensitive(key)) out[key] = '[REDACTED]';
      else if (typeof value === 'string') {
        if (URL_KEYS.has(key)) out[key] = redactUrl(value);
        else if (TEXT_KEYS.has(key)) out[key] = redactCredentials(value);
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

/**
 * The 'memory' exporter: the last `max` finished spans, oldest dropped first, so a long-running
 * service (the demo's trace pages) holds a fixed amount. OpenTelemetry's InMemorySpanExporter keeps
 * every span it is given.
 */
export class SpanRing implements SpanExporter {
  private spans: ReadableSpan[] = [];
  private stopped = false;

  constructor(readonly max = 1000) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error('exporter is shut down') });
      return;
    }
    this.spans.push(...spans);
    if (this.spans.length > this.max) this.spans = this.spans.slice(-this.max);
    done({ code: ExportResultCode.SUCCESS });
  }

  /** Finished spans, oldest first. */
  getFinishedSpans(): ReadableSpan[] {
    return [...this.spans];
  }

  reset(): void {
    this.spans = [];
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
