// The apps the tracing benchmark compares, shared by the in-process loop and the wrk servers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { httpInstrumentationMiddleware } from '@hono/otel';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Hono, type MiddlewareHandler } from 'hono';
import { initTracing, type Tracing } from '../src/index';
import { tracing } from '../src/hono/index';

export const CONTENDERS = [
  'bare',
  'als-only',
  'manual',
  'hono-otel',
  'ours-100',
  'ours-10',
] as const;
export type Contender = (typeof CONTENDERS)[number];
export const LABELS: Record<Contender, string> = {
  bare: 'bare Hono',
  'als-only': '(AsyncLocalStorage only)',
  manual: 'manual span per request',
  'hono-otel': '@hono/otel',
  'ours-100': '@obs/tracing 100%',
  'ours-10': '@obs/tracing 10%',
};

/** Counts what it is given and keeps nothing, so memory stays flat over millions of spans. */
export const sink: SpanExporter & { count: number } = {
  count: 0,
  export(spans, done) {
    this.count += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};

const manual: MiddlewareHandler = async (c, next) => {
  const span = trace
    .getTracer('manual')
    .startSpan(`${c.req.method} ${c.req.path}`, { kind: SpanKind.SERVER });
  try {
    await context.with(trace.setSpan(context.active(), span), next);
  } finally {
    span.setAttribute('http.response.status_code', c.res.status);
    span.end();
  }
};

/**
 * Not a contender: the floor under any middleware that makes a span active. A pass-through
 * middleware that runs the rest of the request in an AsyncLocalStorage, which switches on Node 20's
 * async hooks for the whole process (every promise and handle pays for them from then on), as the
 * OpenTelemetry context manager does once one request is sampled.
 */
const als = new AsyncLocalStorage<true>();
const alsOnly: MiddlewareHandler = (_c, next) => als.run(true, next);

/** Our provider (10% or 100% of new traces), the sink behind a batch processor as in production. */
export function setUp(contender: Contender): Pick<Tracing, 'shutdown'> {
  const batch = new BatchSpanProcessor({
    exporter: sink,
    maxQueueSize: 2048,
    scheduledDelayMillis: 200,
  });
  const tracing = initTracing({
    exporter: 'none',
    sampleRatio: contender === 'ours-10' ? 0.1 : 1,
    spanProcessors: [batch],
  });
  return {
    shutdown() {
      als.disable(); // the async hooks off again for the next in-process contender
      return tracing.shutdown();
    },
  };
}

export function benchApp(contender: Contender): Hono {
  const a = new Hono();
  if (contender === 'als-only') a.use(alsOnly);
  if (contender === 'manual') a.use(manual);
  if (contender === 'hono-otel') a.use(httpInstrumentationMiddleware({ serviceName: 'bench' }));
  if (contender.startsWith('ours')) a.use(tracing());
  a.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  return a;
}
