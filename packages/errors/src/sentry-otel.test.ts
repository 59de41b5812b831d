import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { trace } from '@opentelemetry/api';
import { runWithContext } from '@obs/core';
import { initErrors, type ErrorTracker } from './init';
import { startSentryIngest, type SentryIngest } from './sentry-ingest.fixture';

// Errors alone: no tracer provider of ours, so Sentry sets OpenTelemetry up itself.
let ingest: SentryIngest;
let errors: ErrorTracker;
beforeAll(async () => {
  ingest = await startSentryIngest();
  errors = initErrors({ dsn: ingest.dsn, tracesSampleRate: 1 });
});
afterAll(async () => {
  await errors.close(30_000);
  await ingest.close();
});

describe('errors alone: Sentry owns OpenTelemetry', () => {
  it('turns @opentelemetry/api spans into Sentry spans, and links the error to their trace', async () => {
    const [traceId, id] = trace.getTracer('app').startActiveSpan('rollup job', (span) => {
      expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanContext().traceId).not.toBe('0'.repeat(32));
      const eventId = runWithContext({ requestId: 'job-1' }, () =>
        errors.captureError(new Error('rollup failed')),
      );
      span.end();
      return [span.spanContext().traceId, eventId];
    });
    expect(await errors.flush(30_000)).toBe(true); // the limit only guards against a hang
    const event = await ingest.event(id!);
    expect(event.contexts.trace.trace_id).toBe(traceId);
    expect(event.tags).toMatchObject({ request_id: 'job-1', trace_id: traceId });
  });
});
