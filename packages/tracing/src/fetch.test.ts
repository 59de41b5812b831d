import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Hono } from 'hono';
import { tracedFetch } from './fetch';
import { tracing } from './hono/tracing';
import { initTracing, type Tracing } from './init';
import { withSpan } from './spans';

let t: Tracing;
let server: ServerType;
let base: string;
beforeAll(async () => {
  t = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
  const billing = new Hono();
  billing.use(tracing());
  billing.get('/credits/:id', (c) => c.json({ traceparent: c.req.header('traceparent') ?? null }));
  billing.get('/missing', (c) => c.text('no', 404));
  server = serve({ fetch: billing.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.shutdown();
});
beforeEach(() => t.memory!.reset());
const spans = () => t.memory!.getFinishedSpans();

describe('tracedFetch', () => {
  it('carries the trace to the service it calls: one trace id, the server span a child of the client span', async () => {
    const body = await withSpan('service A', async () => {
      const res = await tracedFetch(`${base}/credits/w1?api_key=s3cret&from=2026-01-01`);
      return (await res.json()) as { traceparent: string };
    });
    const client = spans().find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spans().find((s) => s.kind === SpanKind.SERVER)!;
    const parent = spans().find((s) => s.name === 'service A')!;
    expect(body.traceparent).toContain(client.spanContext().traceId);
    expect(serverSpan.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(client.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const port = Number(new URL(base).port);
    expect(client).toMatchObject({
      name: 'GET',
      attributes: {
        'http.request.method': 'GET',
        'url.full': `${base}/credits/w1?api_key=REDACTED&from=2026-01-01`,
        'server.address': '127.0.0.1',
        'server.port': port,
        'http.response.status_code': 200,
      },
    });
    expect(client.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a 4xx answer failed, as client spans should', async () => {
    const res = await tracedFetch(`${base}/missing`, {
      headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    });
    expect(res.status).toBe(404);
    const [missing] = spans().filter((s) => s.kind === SpanKind.CLIENT);
    expect(missing).toMatchObject({
      status: { code: SpanStatusCode.ERROR },
      attributes: { 'error.type': '404', 'http.response.status_code': 404 },
    });
  });

  it('records a network error and rethrows it', async () => {
    await expect(tracedFetch('http://127.0.0.1:1/unreachable')).rejects.toThrow();
    const [client] = spans();
    expect(client!.status.code).toBe(SpanStatusCode.ERROR);
    expect(client!.events.map((e) => e.name)).toEqual(['exception']);
  });
});
