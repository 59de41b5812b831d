import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { getTraceIds } from '@obs/core';
import { initTracing, type Tracing } from '../init';
import { withSpan } from '../spans';
import { tracing } from './tracing';

let tracer: Tracing;
beforeAll(() => {
  tracer = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
});
afterAll(() => tracer.shutdown());
beforeEach(() => tracer.memory!.reset());
const spans = () => tracer.memory!.getFinishedSpans();
const serverSpan = () => spans().find((s) => s.kind === SpanKind.SERVER)!;

function app(options?: Parameters<typeof tracing>[0]) {
  const a = new Hono();
  a.use(tracing(options));
  // Hono's own answers to thrown errors, without its console.error.
  a.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.text('Internal Server Error', 500),
  );
  a.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id'), ids: getTraceIds() }));
  a.post('/api/v1/events', () => {
    throw new HTTPException(422, { message: 'events[3].credits: expected a number' });
  });
  a.get('/boom', () => {
    throw new Error('database exploded');
  });
  a.get('/nested', async (c) => {
    await withSpan('analytics.query', () => Promise.resolve());
    return c.text(c.var.span.spanContext().spanId);
  });
  a.get('/health', (c) => c.text('ok'));
  return a;
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('tracing() server spans', () => {
  it('names a 200 span by its route template, with the stable HTTP attributes, status unset', async () => {
    const res = await app().request(
      'http://api.example.com:8080/api/v1/workspaces/w1?limit=5&api_key=s3cret',
      {
        headers: { 'user-agent': 'curl/8.0' },
      },
    );
    expect(res.status).toBe(200);
    const span = serverSpan();
    expect(span.name).toBe('GET /api/v1/workspaces/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/api/v1/workspaces/w1',
      'url.scheme': 'http',
      'url.query': 'limit=5&api_key=REDACTED',
      'server.address': 'api.example.com',
      'server.port': 8080,
      'user_agent.original': 'curl/8.0',
      'http.route': '/api/v1/workspaces/:id',
      'http.response.status_code': 200,
    });
  });

  it('makes the span active in the handler: the trace ids the handler sees are the span’s', async () => {
    const body = (await (await app().request('/api/v1/workspaces/w1')).json()) as {
      ids: { traceId: string; spanId: string };
    };
    expect(body.ids).toMatchObject({
      traceId: serverSpan().spanContext().traceId,
      spanId: serverSpan().spanContext().spanId,
    });
  });

  it('parents the handler’s own spans to the request span, which is c.var.span', async () => {
    const spanId = await (await app().request('/nested')).text();
    const query = spans().find((s) => s.name === 'analytics.query')!;
    expect(serverSpan().spanContext().spanId).toBe(spanId);
    expect(query.parentSpanContext?.spanId).toBe(spanId);
  });

  it('leaves a 404 unset, named by the method alone, with no route', async () => {
    expect((await app().request('/nowhere')).status).toBe(404);
    const span = serverSpan();
    expect(span.name).toBe('GET');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.attributes['http.response.status_code']).toBe(404);
  });

  it('leaves a 422 unset: client errors are not the server’s failures', async () => {
    expect((await app().request('/api/v1/events', { method: 'POST' })).status).toBe(422);
    expect(serverSpan()).toMatchObject({
      name: 'POST /api/v1/events',
      status: { code: SpanStatusCode.UNSET },
      events: [],
    });
  });

  it('marks a thrown 500 ERROR, with the exception recorded and error.type set', async () => {
    expect((await app().request('/boom')).status).toBe(500);
    const span = serverSpan();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'database exploded' });
    expect(span.attributes).toMatchObject({
      'error.type': 'Error',
      'http.response.status_code': 500,
    });
    expect(span.events[0]).toMatchObject({
      name: 'exception',
      attributes: { 'exception.message': 'database exploded' },
    });
  });

  it('continues an incoming traceparent: same trace id, the caller’s span as parent', async () => {
    await app().request('/api/v1/workspaces/w1', {
      headers: { traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'vendor=1' },
    });
    const span = serverSpan();
    expect(span.spanContext().traceId).toBe(TRACE);
    expect(span.parentSpanContext?.spanId).toBe(PARENT);
    expect(span.spanContext().traceState?.get('vendor')).toBe('1');
  });

  it('starts a new trace for a malformed traceparent, and answers the request', async () => {
    const res = await app().request('/api/v1/workspaces/w1', {
      headers: { traceparent: `00-${TRACE}-zzzz-01` },
    });
    expect(res.status).toBe(200);
    expect(serverSpan().spanContext().traceId).not.toBe(TRACE);
    expect(serverSpan().parentSpanContext).toBeUndefined();
  });

  it('reports unknown methods as _OTHER, keeping the original', async () => {
    const a = new Hono();
    a.use(tracing());
    a.on('PURGE', '/cache', (c) => c.text('purged'));
    await a.request('/cache', { method: 'PURGE' });
    expect(serverSpan()).toMatchObject({
      name: 'HTTP /cache',
      attributes: { 'http.request.method': '_OTHER', 'http.request.method_original': 'PURGE' },
    });
  });

  it('skips excluded paths (health and metrics by default), not /healthcare', async () => {
    await app().request('/health');
    await app().request('/health/db');
    expect(spans()).toEqual([]);
    await app().request('/healthcare/patients/1'); // unmatched, but the service's own traffic
    expect(spans().map((s) => s.attributes['url.path'])).toEqual(['/healthcare/patients/1']);
    tracer.memory!.reset();
    await app({ exclude: ['/api/*'] }).request('/api/v1/workspaces/w1');
    expect(spans()).toEqual([]);
  });

  it('answers with a traceparent header when asked', async () => {
    const res = await app({ responseHeader: true }).request('/api/v1/workspaces/w1');
    const { traceId, spanId } = serverSpan().spanContext();
    expect(res.headers.get('traceparent')).toBe(`00-${traceId}-${spanId}-01`);
    expect((await app().request('/api/v1/workspaces/w1')).headers.get('traceparent')).toBeNull();
  });

  it('puts traceparent on responses the handler built itself', async () => {
    const a = new Hono();
    a.use(tracing({ responseHeader: true }));
    a.get('/raw', () => new Response('raw'));
    const res = await a.request('/raw');
    expect(res.headers.get('traceparent')).toContain(serverSpan().spanContext().spanId);
  });

  it('records a thrown non-Error value as an ERROR with status 500, and hands app.onError an Error for it', async () => {
    const a = new Hono();
    a.use(tracing());
    const handed: unknown[] = [];
    a.onError((err, c) => (handed.push(err), c.text('failed', 500)));
    a.get('/odd', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- not every library throws Errors
      throw 'not an Error';
    });
    expect((await a.request('/odd')).status).toBe(500);
    expect(handed).toEqual([expect.objectContaining({ name: 'NonError', cause: 'not an Error' })]);
    expect(serverSpan()).toMatchObject({
      status: { code: SpanStatusCode.ERROR, message: 'Non-Error thrown: "not an Error"' },
      attributes: { 'http.response.status_code': 500, 'error.type': 'NonError' },
    });
  });

  it('adds the caller’s attributes, read after the handler ran', async () => {
    await app({ attributes: (c) => ({ 'app.workspace': c.req.param('id') ?? 'none' }) }).request(
      '/api/v1/workspaces/w9',
    );
    expect(serverSpan().attributes['app.workspace']).toBe('w9');
  });
});

describe('tracing() sampled out', () => {
  async function withRatio(ratio: number, run: (t: Tracing) => Promise<void>) {
    await tracer.shutdown();
    const t = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: ratio });
    try {
      await run(t);
    } finally {
      await t.shutdown();
      tracer = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
    }
  }

  it('records nothing, yet logs and children still see one trace id, unsampled', async () => {
    await withRatio(0, async (t) => {
      const a = new Hono();
      a.use(tracing({ responseHeader: true }));
      a.get('/work', async (c) => {
        const outer = getTraceIds();
        const inner = await withSpan('child', () => Promise.resolve(getTraceIds()));
        return c.json({ outer, inner });
      });
      const res = await a.request('/work');
      const { outer, inner } = (await res.json()) as Record<
        string,
        { traceId: string; traceFlags: number }
      >;
      expect(outer).toMatchObject({
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        traceFlags: 0,
      });
      expect(inner!.traceId).toBe(outer!.traceId);
      expect(res.headers.get('traceparent')).toBe(
        `00-${outer!.traceId}-${(outer as unknown as { spanId: string }).spanId}-00`,
      );
      expect(t.memory!.getFinishedSpans()).toEqual([]);
    });
  });

  it('keeps the sampled-out span active across the handler’s awaits, as c.var.span', async () => {
    await withRatio(0, async () => {
      const a = new Hono();
      a.use(tracing());
      a.get('/slow', async (c) => {
        const before = getTraceIds();
        await new Promise((resolve) => setImmediate(resolve));
        return c.json({
          active: trace.getActiveSpan() === c.var.span,
          recording: c.var.span.isRecording(),
          before,
          after: getTraceIds(),
        });
      });
      const res = await a.request('/slow');
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(200);
      expect(res.headers.get('traceparent')).toBeNull();
      expect(body).toMatchObject({ active: true, recording: false });
      expect(body.after).toEqual(body.before);
      expect(body.after).toMatchObject({ traceFlags: 0 });
    });
  });

  it('hands app.onError an Error for a thrown non-Error value, recording nothing', async () => {
    await withRatio(0, async (t) => {
      const a = new Hono();
      a.use(tracing({ responseHeader: true }));
      a.get('/odd', () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- not every library throws Errors
        throw 'not an Error';
      });
      // Hono's own onError: a plain 500.
      expect((await a.request('/odd')).status).toBe(500);
      expect(t.memory!.getFinishedSpans()).toEqual([]);
    });
  });

  it('still records a request whose caller sampled it (parent-based)', async () => {
    await withRatio(0, async (t) => {
      await app().request('/api/v1/workspaces/w1', {
        headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
      });
      expect(t.memory!.getFinishedSpans().map((s) => s.spanContext().traceId)).toEqual([TRACE]);
    });
  });

  it('records about the configured share of new traces', async () => {
    await withRatio(0.5, async (t) => {
      const a = app();
      for (let i = 0; i < 1000; i++) await a.request('/api/v1/workspaces/w1');
      const recorded = t.memory!.getFinishedSpans().length;
      expect(recorded).toBeGreaterThan(400);
      expect(recorded).toBeLessThan(600);
    });
  });
});
