// Per-request cost of the tracing middleware (issue 5): ours at 100% and at 10% sampling, side by
// side with @hono/otel and a hand-written span per request, on the same app, batch processor into
// an in-memory exporter. Targets: ours at 100% ≥ 1.3× @hono/otel's throughput; ours at 10% within
// 15% of bare Hono. app.fetch() in a loop under @hono/node-server's Request/Response, interleaved
// rounds, medians.
import { getRequestListener } from '@hono/node-server';
import { httpInstrumentationMiddleware } from '@hono/otel';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Hono, type MiddlewareHandler } from 'hono';
import { initTracing, type Tracing } from '../src/index';
import { tracing } from '../src/hono/index';

getRequestListener(() => new Response('')); // node-server's lightweight Request/Response globals

/** Counts what it is given and keeps nothing, so memory stays flat over millions of spans. */
const sink: SpanExporter & { count: number } = {
  count: 0,
  export(spans, done) {
    this.count += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: () => Promise.resolve(),
};

function app(middleware?: MiddlewareHandler): Hono {
  const a = new Hono();
  if (middleware) a.use(middleware);
  a.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  return a;
}

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

const requests = Array.from(
  { length: 50 },
  (_, i) =>
    new Request(`http://localhost/api/v1/workspaces/w${i}`, { headers: { 'user-agent': 'bench' } }),
);
const N = 100_000;
async function loop(a: Hono, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await a.fetch(requests[i % requests.length]!);
}

// Each contender runs under the sampling it needs; the provider is set up anew for each.
const contenders: [string, number, Hono][] = [
  ['bare Hono', 1, app()],
  ['manual span per request', 1, app(manual)],
  ['@hono/otel', 1, app(httpInstrumentationMiddleware({ serviceName: 'bench' }))],
  ['@obs/tracing 100%', 1, app(tracing())],
  ['@obs/tracing 10%', 0.1, app(tracing())],
];
async function measure(ratio: number, a: Hono, n: number): Promise<number> {
  // The sink behind a batch processor, as in production, after our redaction step.
  const batch = new BatchSpanProcessor({
    exporter: sink,
    maxQueueSize: 2048,
    scheduledDelayMillis: 200,
  });
  const t: Tracing = initTracing({ exporter: 'none', sampleRatio: ratio, spanProcessors: [batch] });
  globalThis.gc?.();
  const started = performance.now();
  await loop(a, n);
  const us = ((performance.now() - started) * 1000) / n;
  await t.shutdown();
  return us;
}

for (const [, ratio, a] of contenders) await measure(ratio, a, 30_000); // warm up
const rounds = new Map<string, number[]>();
for (let round = 0; round < 5; round++)
  for (const [name, ratio, a] of contenders)
    rounds.set(name, [...(rounds.get(name) ?? []), await measure(ratio, a, N)]);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const us = Object.fromEntries([...rounds].map(([name, xs]) => [name, median(xs)]));
console.log('µs per request (median of 5 rounds of 100k requests), and requests/s:');
for (const [name, value] of Object.entries(us))
  console.log(`  ${name.padEnd(26)} ${value.toFixed(2)} µs  ${Math.round(1e6 / value)}/s`);
const throughput = (name: string) => 1e6 / us[name]!;
console.log(
  `\n@obs/tracing at 100% = ${(throughput('@obs/tracing 100%') / throughput('@hono/otel')).toFixed(2)}× @hono/otel's throughput (target ≥ 1.30)`,
);
console.log(
  `@obs/tracing at 10% = ${((1 - throughput('@obs/tracing 10%') / throughput('bare Hono')) * 100).toFixed(1)}% below bare Hono (target ≤ 15%)`,
);
console.log(`(${sink.count} spans exported)`);
