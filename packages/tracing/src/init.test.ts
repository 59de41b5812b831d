import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import { setInternalErrorHandler } from '@obs/core';
import { tracing } from './hono/tracing';
import { initTracing } from './init';
import type { TracingStats } from './processors';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.fixture';
import { withSpan } from './spans';

let receiver: OtlpReceiver;
const internalErrors: string[] = [];
beforeEach(async () => {
  receiver = await startOtlpReceiver();
  internalErrors.length = 0;
  setInternalErrorHandler((err, where) => internalErrors.push(`${where}: ${String(err)}`));
});
afterEach(async () => {
  setInternalErrorHandler(undefined);
  await receiver.close();
});

/** Resolves once `check` holds; only the test's timeout bounds the wait. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const settled = (s: TracingStats) => s.spansExported + s.spansDropped + s.spansFailed;

function tracedApp() {
  const app = new Hono();
  app.use(tracing());
  // Hono's own answer to a thrown error, without its console.error.
  app.onError((_err, c) => c.text('Internal Server Error', 500));
  app.get('/api/v1/workspaces/:id', (c) => c.json({ ok: true }));
  app.get('/boom', () => {
    throw new Error('exploded');
  });
  return app;
}

describe('initTracing with the OTLP exporter', () => {
  it.each(['http/protobuf', 'http/json'] as const)(
    'sends spans a collector decodes (%s), with the resource and the caller’s headers',
    async (protocol) => {
      const t = initTracing({
        service: { name: 'analytics', version: '1.2.3', environment: 'staging' },
        endpoint: receiver.url,
        protocol,
        headers: { 'api-key': 'nr-license-key' },
        sampleRatio: 1,
      });
      try {
        await tracedApp().request('/api/v1/workspaces/w1?token=abc');
        await tracedApp().request('/boom');
        await t.forceFlush();
      } finally {
        await t.shutdown();
      }
      expect(receiver.requests[0]!.contentType).toBe(
        protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      );
      expect(receiver.requests[0]!.headers['api-key']).toBe('nr-license-key');
      const [ok, boom] = receiver.spans;
      expect(ok).toMatchObject({
        name: 'GET /api/v1/workspaces/:id',
        kind: 2,
        scope: '@obs/tracing',
        attributes: {
          'http.route': '/api/v1/workspaces/:id',
          'http.response.status_code': 200,
          'url.query': 'token=REDACTED',
        },
        resource: {
          'service.name': 'analytics',
          'service.version': '1.2.3',
          'deployment.environment.name': 'staging',
          'process.pid': process.pid,
        },
      });
      expect(ok!.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ok!.resource['service.instance.id']).toEqual(expect.any(String));
      expect(ok!.resource['host.name']).toEqual(expect.any(String));
      expect(boom).toMatchObject({
        name: 'GET /boom',
        status: { code: SpanStatusCode.ERROR, message: 'exploded' },
        events: [{ name: 'exception', attributes: { 'exception.message': 'exploded' } }],
      });
      expect(t.stats()).toEqual({ spansExported: 2, spansDropped: 0, spansFailed: 0 });
    },
  );

  it('reads OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS (a vendor’s API key)', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'dd-api-key=abc%20123,x-tenant=t1';
    try {
      const t = initTracing({ sampleRatio: 1 });
      withSpan('job', () => undefined);
      await t.shutdown();
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
    expect(receiver.requests[0]!.headers).toMatchObject({
      'dd-api-key': 'abc 123',
      'x-tenant': 't1',
    });
    expect(receiver.spans.map((s) => s.name)).toEqual(['job']);
  });

  it('never redacted attributes reach the wire', async () => {
    const t = initTracing({ endpoint: receiver.url, sampleRatio: 1, redactPaths: ['**.*ssn*'] });
    withSpan('signup', (span) => {
      span.setAttributes({
        'user.password': 'hunter2',
        'app.api_key': 'k-123',
        'http.request.header.authorization': 'Bearer abc',
        'user.ssn': '078-05-1120',
        max_tokens: 512,
        'http.route': '/signup',
      });
      span.addEvent('login', { session_token: 'tok' });
    });
    await t.shutdown();
    const [span] = receiver.spans;
    expect(span!.attributes).toEqual({
      'user.password': '[REDACTED]',
      'app.api_key': '[REDACTED]',
      'http.request.header.authorization': '[REDACTED]',
      'user.ssn': '[REDACTED]',
      max_tokens: 512,
      'http.route': '/signup',
    });
    expect(span!.events[0]!.attributes).toEqual({ session_token: '[REDACTED]' });
    expect(JSON.stringify(receiver.requests)).not.toContain('hunter2');
  });
});

describe('when the collector is down, slow or failing', () => {
  it('answers every request with the collector down, and counts each lost span', async () => {
    const down = receiver.url;
    await receiver.close();
    // No timed export while the requests run: the flush below sends all 50 in one batch. An export
    // time limit below the exporter's first retry backoff (800 ms or more) means one attempt.
    const t = initTracing({
      endpoint: down,
      sampleRatio: 1,
      scheduledDelayMillis: 60_000,
      exportTimeoutMs: 500,
    });
    try {
      const app = tracedApp();
      for (let i = 0; i < 50; i++) {
        const res = await app.request('/api/v1/workspaces/w1');
        expect(res.status).toBe(200);
      }
      // Every request answered with its span still queued: none waited for the exporter.
      expect(t.stats()).toEqual({ spansExported: 0, spansDropped: 0, spansFailed: 0 });
      await t.forceFlush(30_000);
      // The batch processor's own deadline may end the flush before the exporter calls back on a
      // busy machine: wait for the count, not the clock.
      await until(() => settled(t.stats()) === 50);
      expect(t.stats()).toEqual({ spansExported: 0, spansDropped: 0, spansFailed: 50 });
      expect(internalErrors.join('\n')).toContain('@obs/tracing');
    } finally {
      await t.shutdown();
      receiver = await startOtlpReceiver();
    }
  });

  it('answers requests while an export hangs, drops spans past maxQueueSize, and shutdown still returns', async () => {
    const sockets = new Set<Socket>();
    let connected!: () => void;
    const exporting = new Promise<void>((resolve) => (connected = resolve));
    // Refuses each export (400, which the exporter does not retry) once the test is over.
    const refuse = (s: Socket) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    let answering = false;
    const hung: Server = createServer((s) => {
      sockets.add(s);
      if (answering) refuse(s);
      else connected(); // accepts, never answers
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const { port } = hung.address() as { port: number };
    // The export timeout outlasts the test however slow the machine: the hang ends only when the
    // collector answers, and shutdown's deadline (the same timeout) runs on a fake clock.
    const t = initTracing({
      endpoint: `http://127.0.0.1:${port}`,
      sampleRatio: 1,
      maxQueueSize: 10,
      scheduledDelayMillis: 1,
      exportTimeoutMs: 600_000,
    });
    try {
      const app = tracedApp();
      expect((await app.request('/api/v1/workspaces/w1')).status).toBe(200);
      await exporting; // the first span's export now waits on the collector
      for (let i = 0; i < 100; i++)
        expect((await app.request('/api/v1/workspaces/w1')).status).toBe(200);
      // One batch is exported at a time: ten spans wait in the queue, the other 90 are dropped.
      expect(t.stats()).toEqual({ spansExported: 0, spansDropped: 90, spansFailed: 0 });
      jest.useFakeTimers();
      const shutdown = t.shutdown();
      await jest.advanceTimersByTimeAsync(600_000);
      await expect(shutdown).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
      // The provider's own shutdown still waits on the collector: let it finish here, instead of
      // retrying a closed port for seconds after the run.
      answering = true;
      for (const s of sockets) refuse(s);
      await t.provider!.shutdown().catch(() => undefined); // rejects with the refusal
      for (const s of sockets) s.destroy();
      hung.close();
    }
  });

  it('reports a collector answering 503 through the internal-error handler, never to the caller', async () => {
    // Retry-After past the export's time limit: the exporter gives up after the one answer instead
    // of retrying, and the limit itself is only a hang guard.
    receiver.failWith(503, { 'retry-after': '3600' });
    const t = initTracing({
      endpoint: receiver.url,
      sampleRatio: 1,
      processor: 'simple',
      exportTimeoutMs: 30_000,
    });
    try {
      expect(() => withSpan('job', () => 1)).not.toThrow();
      await t.forceFlush(30_000);
    } finally {
      await t.shutdown();
    }
    expect(receiver.requests).toHaveLength(1);
    expect(t.stats().spansFailed).toBe(1);
    expect(internalErrors.join('\n')).toContain('@obs/tracing');
  });
});

describe('initTracing setup', () => {
  it('returns the same object when called twice, and can start again after shutdown', async () => {
    const first = initTracing({ exporter: 'memory', processor: 'simple' });
    expect(initTracing({ exporter: 'console' })).toBe(first);
    await first.shutdown();
    const second = initTracing({ exporter: 'memory', processor: 'simple' });
    expect(second).not.toBe(first);
    withSpan('after restart', () => undefined);
    expect(second.memory!.getFinishedSpans().map((s) => s.name)).toEqual(['after restart']);
    await second.shutdown();
  });

  it('is a working no-op when disabled (enabled: false or OTEL_SDK_DISABLED)', async () => {
    process.env.OTEL_SDK_DISABLED = 'true';
    try {
      const t = initTracing({ exporter: 'memory' });
      expect(t.provider).toBeUndefined();
      expect(withSpan('noop', (span) => (span.isRecording() ? 'recorded' : 'skipped'))).toBe(
        'skipped',
      );
      expect((await tracedApp().request('/api/v1/workspaces/w1')).status).toBe(200);
      await t.shutdown();
    } finally {
      delete process.env.OTEL_SDK_DISABLED;
    }
    expect(initTracing({ enabled: false }).provider).toBeUndefined();
  });

  it('says so when another provider already owns the global API (spans would go nowhere)', async () => {
    const other = new TracerProvider();
    trace.setGlobalTracerProvider(other);
    try {
      const t = initTracing({ exporter: 'memory' });
      await t.shutdown();
    } finally {
      trace.disable();
    }
    expect(internalErrors.join('\n')).toContain(
      'another OpenTelemetry tracer provider is registered',
    );
  });

  it('leaves a context manager and propagator registered before it in place on shutdown', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const theirs: TextMapPropagator = {
      inject: (_ctx, carrier: Record<string, string>) => (carrier['x-theirs'] = '1'),
      extract: (ctx) => ctx,
      fields: () => ['x-theirs'],
    };
    propagation.setGlobalPropagator(theirs);
    const key = createContextKey('theirs');
    try {
      const t = initTracing({ exporter: 'memory', processor: 'simple' });
      // Our provider took the free global, and shutdown gives that one back.
      withSpan('while set up', () => undefined);
      expect(t.memory!.getFinishedSpans().map((s) => s.name)).toEqual(['while set up']);
      await t.shutdown();
      withSpan('after shutdown', () => undefined);
      expect(t.memory!.getFinishedSpans().map((s) => s.name)).toEqual(['while set up']);
      // Theirs still carry context across await, and still write their header.
      const carried = await context.with(ROOT_CONTEXT.setValue(key, 'kept'), async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return context.active().getValue(key);
      });
      expect(carried).toBe('kept');
      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      expect(headers).toEqual({ 'x-theirs': '1' });
    } finally {
      context.disable();
      propagation.disable();
    }
  });

  it('unregisters what it set up, and only once: a second shutdown leaves a newer set-up alone', async () => {
    const first = initTracing({ exporter: 'memory', processor: 'simple' });
    await first.shutdown();
    const second = initTracing({ exporter: 'memory', processor: 'simple' });
    try {
      await first.shutdown();
      const carried = await withSpan('outer', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return withSpan('inner', () => trace.getActiveSpan()?.isRecording());
      });
      expect(carried).toBe(true);
      const [inner, outer] = second.memory!.getFinishedSpans();
      expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    } finally {
      await second.shutdown();
    }
  });

  it('keeps only the last memorySpans spans in the memory ring', async () => {
    const t = initTracing({ exporter: 'memory', processor: 'simple', memorySpans: 3 });
    for (let i = 0; i < 5; i++) withSpan(`s${i}`, () => undefined);
    expect(t.memory!.getFinishedSpans().map((s) => s.name)).toEqual(['s2', 's3', 's4']);
    await t.shutdown();
  });
});

describe('recent spans beside another exporter', () => {
  it('keeps the last recentSpans spans in memory while exporting over OTLP, as plain records', async () => {
    const t = initTracing({
      endpoint: receiver.url,
      sampleRatio: 1,
      processor: 'simple',
      recentSpans: 2,
    });
    try {
      withSpan('parent', () => withSpan('child', () => undefined));
      withSpan('last', () => undefined);
      await t.forceFlush();
      expect(receiver.spans.map((s) => s.name)).toEqual(['child', 'parent', 'last']);
      // The oldest went first: the ring holds two.
      expect(t.memory!.records().map((r) => r.name)).toEqual(['parent', 'last']);
    } finally {
      await t.shutdown();
    }
  });

  it('gives each record its ids, parent, times in ms, status, redacted attributes and events', async () => {
    const t = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
    try {
      const before = Date.now();
      withSpan('parent', () => {
        withSpan('child', (span) => {
          span.setAttribute('app.password', 'hunter2');
          span.addEvent('cache.miss', { key: 'k1' });
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        });
      });
      const [child, parent] = t.memory!.records();
      expect(child).toMatchObject({
        name: 'child',
        trace_id: parent!.trace_id,
        parent_span_id: parent!.span_id,
        status: 'error',
        status_message: 'boom',
        attributes: { 'app.password': '[REDACTED]' },
        events: [{ name: 'cache.miss', attributes: { key: 'k1' } }],
      });
      expect(parent!.parent_span_id).toBeUndefined();
      expect(child!.start_ms).toBeGreaterThanOrEqual(before - 1);
      expect(child!.duration_ms).toBeGreaterThanOrEqual(0);
      expect(child!.events[0]!.time_ms).toBeGreaterThanOrEqual(child!.start_ms);
    } finally {
      await t.shutdown();
    }
  });
});

describe('redaction beyond attribute keys', () => {
  it('scrubs links, exception messages, URL values and the status message before export', async () => {
    const receiver2 = await startOtlpReceiver();
    const t = initTracing({ endpoint: receiver2.url, sampleRatio: 1, redactPaths: ['user.email'] });
    try {
      withSpan('fetch', (span) => {
        span.addLink({
          context: {
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
            traceFlags: 1,
          },
          attributes: { 'app.api_key': 'SECRET-LINK' },
        });
        span.setAttributes({
          'url.full': 'https://u:pw@api.example.com/x?api_key=SECRET-Q',
          'user.email': 'a@b.c',
        });
        span.recordException(new Error('connect postgres://app:SECRET-PW@db failed'));
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'postgres://app:SECRET-PW@db down' });
      });
      await t.forceFlush();
    } finally {
      await t.shutdown();
      await receiver2.close();
    }
    const [span] = receiver2.spans;
    expect(JSON.stringify(receiver2.spans)).not.toMatch(/SECRET|a@b\.c/);
    expect(span!.links[0]!.attributes).toEqual({ 'app.api_key': '[REDACTED]' });
    expect(span!.attributes['url.full']).toBe(
      'https://REDACTED:REDACTED@api.example.com/x?api_key=REDACTED',
    );
    expect(span!.events[0]!.attributes['exception.message']).toBe(
      'connect postgres://app:REDACTED@db failed',
    );
  });

  it('walks maps and arrays, which SDK 3 keeps as attribute values, with the same policy', async () => {
    const t = initTracing({ endpoint: receiver.url, sampleRatio: 1, redactPaths: ['user.email'] });
    try {
      withSpan('structured', (span) => {
        span.setAttributes({
          'http.request.headers': { authorization: 'Bearer SECRET-H', accept: 'json' },
          'app.attempts': [{ password: 'SECRET-P', n: 1 }, 'plain'],
          user: { email: 'a@b.c', plan: 'pro' },
          'app.bytes': new Uint8Array([1, 2]),
        });
        span.addLink({
          context: {
            traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
            spanId: '00f067aa0ba902b7',
            traceFlags: 1,
          },
          attributes: { 'app.auth': { api_key: 'SECRET-L' } },
        });
      });
      await t.forceFlush();
    } finally {
      await t.shutdown();
    }
    const [span] = receiver.spans;
    expect(span!.attributes).toMatchObject({
      'http.request.headers': { authorization: '[REDACTED]', accept: 'json' },
      'app.attempts': [{ password: '[REDACTED]', n: 1 }, 'plain'],
      user: { email: '[REDACTED]', plan: 'pro' },
    });
    expect(span!.links[0]!.attributes).toEqual({ 'app.auth': { api_key: '[REDACTED]' } });
    expect(JSON.stringify(receiver.spans)).not.toMatch(/SECRET|a@b\.c/);
  });

  it('rejects a span processor missing a method, instead of failing every request later', () => {
    expect(() =>
      initTracing({ spanProcessors: [{ onEnd() {}, shutdown: () => Promise.resolve() }] }),
    ).toThrow(expect.objectContaining({ option: 'spanProcessors.0' }));
  });
});
