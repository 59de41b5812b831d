// @obs/tracing and @obs/errors together (issue 5's "living with Sentry"), as the demo runs them:
// tracing first, then Sentry, which finds our provider and sets none up. One provider, one set
// of spans, and each Sentry event carries the trace id of the request that failed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import {
  startSentryIngest,
  type SentryIngest,
} from '../../../packages/errors/src/sentry-ingest.fixture';
import { testService, type TestService } from './test-service.fixture';

let ingest: SentryIngest;
let t: TestService;
let key: string;
beforeAll(async () => {
  ingest = await startSentryIngest();
  t = await testService({ SENTRY_DSN: ingest.dsn, FAULT_INJECTION: 'true' });
  key = await t.workspace('acme');
});
afterAll(async () => {
  try {
    await t.close(); // throws if beforeAll failed: the ingest still closes
  } finally {
    await ingest.close();
  }
});

describe('tracing with Sentry', () => {
  it('keeps one tracer provider: ours', () => {
    expect(t.service.obs.errors.enabled).toBe(true);
    const registered = trace.getTracerProvider() as { getDelegate?: () => unknown };
    expect(registered.getDelegate?.() ?? registered).toBe(t.service.obs.tracing.provider);
  });

  it('links the Sentry event of a failed request to its trace and request id', async () => {
    const res = await t.request('GET', '/api/v1/workspaces/acme/credits', {
      token: key,
      headers: { 'x-fault': 'error' },
    });
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    // Known by its request id, whatever else arrived; the limits only guard against a hang.
    expect(await t.service.obs.errors.flush(30_000)).toBe(true);
    const event = await ingest.event((e) => e.tags.request_id === requestId);
    expect(event.exception.values[0]).toMatchObject({
      value: 'injected fault (X-Fault: error)',
    });

    await t.service.obs.tracing.forceFlush();
    const spans = t.service.obs.tracing.memory!.getFinishedSpans();
    const server = spans.filter(
      (s) =>
        s.kind === SpanKind.SERVER && s.spanContext().traceId === event.contexts.trace.trace_id,
    );
    // Exactly one server span for the request (no second one from Sentry), in the event's trace.
    expect(server).toHaveLength(1);
    expect(server[0]!.name).toBe('GET /api/v1/workspaces/:workspaceId/credits');
    expect(event.tags.trace_id).toBe(server[0]!.spanContext().traceId);
  });

  it('does not report client errors', async () => {
    const before = ingest.events.length;
    await t.request('GET', '/api/v1/workspaces/acme/credits', { token: 'wrong' });
    await t.request('GET', '/api/v1/workspaces/acme/analytics?group_by=hour', { token: key });
    // A complete flush: anything Sentry meant to send has arrived by now.
    expect(await t.service.obs.errors.flush(30_000)).toBe(true);
    expect(ingest.events.length).toBe(before);
  });
});
