// One whole-stack benchmark app on a port, for wrk:
//   node whole-stack-server.ts <variant> <port> <log file> <OTLP base URL>
// The @obs packages are their builds (dist), as users run them. Prints `ready` once listening.
// Logs go to the file (JSON lines), spans over OTLP/HTTP (each stack's default, protobuf) through
// a batch processor, RED metrics to GET /metrics. On the IPC message `flush` it writes out and
// closes every signal and answers with a FlushReport.
import { serve } from '@hono/node-server';
import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { Hono, type Context } from 'hono';
import { routePath } from 'hono/route';
import {
  PATH,
  ROUTE,
  SPAN_NAME,
  SPIN_MICROS,
  type FlushReport,
  type Variant,
} from './whole-stack-variants';

const [variant, port, logFile, otlp] = process.argv.slice(2) as [Variant, string, string, string];

/** Counts the route's sampled spans as they end, so the receiver's count can be checked exactly. */
class SampledSpans implements SpanProcessor {
  count = 0;
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if (span.name === SPAN_NAME && span.spanContext().traceFlags & TraceFlags.SAMPLED) this.count++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Stack {
  app: Hono;
  /** Writes out and closes every signal. */
  flush(): Promise<void>;
  spans?: SampledSpans;
  tracingStats?: () => { spansDropped: number; spansFailed: number };
}

/** The hand assemblies' request log line, what `requestLogger()` writes minus sizes and client. */
function requestFields(c: Context, started: number): Record<string, unknown> {
  return {
    request_id: c.var.requestId,
    method: c.req.method,
    path: c.req.path,
    route: routePath(c),
    status: c.res.status,
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    user_agent: c.req.header('user-agent'),
  };
}

async function observed(sampleRatio: number): Promise<Stack> {
  const { observe } = await import('@obs/kit/hono');
  const app = new Hono();
  const spans = new SampledSpans();
  const obs = observe(app, {
    service: 'bench',
    tracing: { endpoint: otlp, sampleRatio, spanProcessors: [spans] },
    logging: { destination: logFile },
  });
  return { app, spans, flush: obs.shutdown, tracingStats: () => obs.tracing.stats() };
}

/** obsContext() + tracing() + requestLogger() + httpMetrics(), each package set up by hand. */
async function aLaCarte(): Promise<Stack> {
  const [{ obsContext }, { initTracing }, { tracing }, { createLogger }, { requestLogger }] =
    await Promise.all([
      import('@obs/core/hono'),
      import('@obs/tracing'),
      import('@obs/tracing/hono'),
      import('@obs/logging'),
      import('@obs/logging/hono'),
    ]);
  const [{ createMetrics }, { httpMetrics, metricsHandler }] = await Promise.all([
    import('@obs/metrics'),
    import('@obs/metrics/hono'),
  ]);
  const service = { name: 'bench' };
  const spans = new SampledSpans();
  const traces = initTracing({ service, endpoint: otlp, sampleRatio: 1, spanProcessors: [spans] });
  const logger = createLogger({ service, destination: logFile });
  const metrics = createMetrics({ service });
  const app = new Hono();
  app.use(obsContext());
  app.use(tracing());
  app.use(requestLogger({ logger }));
  app.use(httpMetrics({ metrics }));
  app.get('/metrics', metricsHandler({ metrics }));
  return {
    app,
    spans,
    tracingStats: () => traces.stats(),
    async flush() {
      await traces.shutdown();
      await logger.close();
    },
  };
}

/** Request ids, a pino line per request and @hono/prometheus, as a Hono user would write them. */
async function pinoPrometheus(): Promise<Stack> {
  const [{ pino }, { prometheus }, { requestId }] = await Promise.all([
    import('pino'),
    import('@hono/prometheus'),
    import('hono/request-id'),
  ]);
  // pino's asynchronous file logging (its docs' recipe for throughput): 4 KiB writes.
  const destination = pino.destination({ dest: logFile, minLength: 4096, sync: false });
  const logger = pino({ timestamp: pino.stdTimeFunctions.isoTime }, destination);
  const { printMetrics, registerMetrics } = prometheus();
  const app = new Hono();
  app.use(requestId());
  app.use(registerMetrics);
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info(requestFields(c, started), 'request completed');
  });
  app.get('/metrics', printMetrics);
  return {
    app,
    flush: () =>
      new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      }),
  };
}

/**
 * Request ids, @hono/otel on the OpenTelemetry SDK (batch processor, OTLP/protobuf exporter, async
 * context, W3C propagation), @hono/prometheus, and a winston line per request to a File transport
 * carrying the trace ids.
 */
async function winstonPrometheusOtel(): Promise<Stack> {
  const [otelApi, { httpInstrumentationMiddleware }, { prometheus }, { requestId }, winston] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@hono/otel'),
      import('@hono/prometheus'),
      import('hono/request-id'),
      import('winston'),
    ]);
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, resources, sdk] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace'),
    ]);
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  const { context, propagation, trace } = otelApi;
  const spans = new SampledSpans();
  const provider = new sdk.TracerProvider({
    resource: resources
      .defaultResource()
      .merge(resources.resourceFromAttributes({ 'service.name': 'bench' })),
    spanProcessors: [
      new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) }),
      spans,
    ],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  const file = new winston.transports.File({ filename: logFile });
  const logger = winston.createLogger({
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [file],
  });
  const { printMetrics, registerMetrics } = prometheus();
  const app = new Hono();
  app.use(requestId());
  app.use(httpInstrumentationMiddleware({ serviceName: 'bench' }));
  app.use(registerMetrics);
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const span = trace.getActiveSpan()?.spanContext();
    logger.info('request completed', {
      ...requestFields(c, started),
      trace_id: span?.traceId,
      span_id: span?.spanId,
    });
  });
  app.get('/metrics', printMetrics);
  return {
    app,
    spans,
    async flush() {
      await provider.shutdown();
      // winston's own 'finish' can come before the file transport's: wait for the transport.
      await new Promise<void>((resolve) => {
        file.once('finish', () => resolve());
        logger.end();
      });
    },
  };
}

async function stackOf(which: Variant): Promise<Stack> {
  switch (which) {
    case 'bare':
    case 'bare-spin':
      return { app: new Hono(), flush: () => Promise.resolve() };
    case 'context': {
      const { obsContext } = await import('@obs/core/hono');
      const app = new Hono();
      app.use(obsContext());
      return { app, flush: () => Promise.resolve() };
    }
    case 'observe-100':
      return observed(1);
    case 'observe-10':
      return observed(0.1);
    case 'a-la-carte':
      return aLaCarte();
    case 'pino-prometheus':
      return pinoPrometheus();
    case 'winston-prometheus-otel':
      return winstonPrometheusOtel();
  }
}

const stack = await stackOf(variant);
const spin = variant === 'bare-spin' ? SPIN_MICROS / 1000 : 0;
let served = 0;
stack.app.get(ROUTE, (c) => {
  served++;
  if (spin) for (const until = performance.now() + spin; performance.now() < until;);
  return c.json({ id: c.req.param('id'), name: 'item', price: 42 });
});

process.on('message', (message) => {
  if (message !== 'flush') return;
  void stack.flush().then(() => {
    const report: FlushReport = { served, sampled: stack.spans?.count };
    const stats = stack.tracingStats?.();
    if (stats) Object.assign(report, { dropped: stats.spansDropped, failed: stats.spansFailed });
    process.send?.(report);
  });
});

serve({ fetch: stack.app.fetch, port: Number(port), hostname: '127.0.0.1' }, () =>
  console.log(`ready ${PATH}`),
);
