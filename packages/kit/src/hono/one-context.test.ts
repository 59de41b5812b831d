// The request's identity and its trace are one context: getContext(), getTraceIds() and
// OpenTelemetry's active context agree wherever the request's code runs, under observe() and
// with the packages' own middlewares, registered in either order.
import { EventEmitter } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { Hono, type MiddlewareHandler } from 'hono';
import { bindContext, getContext, getTraceIds } from '@obs/core';
import { obsContext } from '@obs/core/hono';
import { createLogger, memoryDestination } from '@obs/logging';
import { requestLogger } from '@obs/logging/hono';
import { createMetrics } from '@obs/metrics';
import { httpMetrics } from '@obs/metrics/hono';
import { initTracing, type Tracing } from '@obs/tracing';
import { tracing } from '@obs/tracing/hono';
import { observe } from './index';

interface Seen {
  where: string;
  requestId: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  activeTraceId: string | undefined;
  activeSpanId: string | undefined;
}

function seen(where: string): Seen {
  const ids = getTraceIds();
  const active = trace.getSpan(context.active())?.spanContext();
  return {
    where,
    requestId: getContext()?.requestId,
    traceId: ids?.traceId,
    spanId: ids?.spanId,
    activeTraceId: active?.traceId,
    activeSpanId: active?.spanId,
  };
}

// Work queued here runs from a timer started outside any request: no context of its own.
const outside: (() => void)[] = [];
let drain: ReturnType<typeof setInterval> | undefined;
beforeAll(() => {
  drain = setInterval(() => {
    for (const run of outside.splice(0)) run();
  }, 1);
});
afterAll(() => clearInterval(drain));

/** What a handler sees in each place its code runs. */
async function everywhere(): Promise<Seen[]> {
  const out = [seen('handler')];
  await new Promise((resolve) => setImmediate(resolve));
  out.push(seen('after await'));
  await new Promise<void>((resolve) =>
    setTimeout(() => {
      out.push(seen('timer'));
      resolve();
    }, 1),
  );
  // A listener bound with bindContext(), on an emitter fired from outside the request.
  const emitter = new EventEmitter();
  await new Promise<void>((resolve) => {
    emitter.once(
      'done',
      bindContext(() => {
        out.push(seen('bindContext listener'));
        resolve();
      }),
    );
    outside.push(() => emitter.emit('done'));
  });
  // An emitter bound the OpenTelemetry way: every listener runs in the bound context.
  const bound = context.bind(context.active(), new EventEmitter());
  await new Promise<void>((resolve) => {
    bound.once('done', () => {
      out.push(seen('context.bind emitter'));
      resolve();
    });
    outside.push(() => bound.emit('done'));
  });
  return out;
}

function expectAgreement(res: Response, body: Seen[]): void {
  expect(body.map((s) => s.where)).toEqual([
    'handler',
    'after await',
    'timer',
    'bindContext listener',
    'context.bind emitter',
  ]);
  const first = body[0]!;
  expect(first.requestId).toBe(res.headers.get('x-request-id'));
  expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
  for (const s of body) {
    expect(s).toEqual({
      where: s.where,
      requestId: first.requestId,
      traceId: first.traceId,
      spanId: first.spanId,
      activeTraceId: first.traceId,
      activeSpanId: first.spanId,
    });
  }
}

const opened: { shutdown(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.shutdown()));
});

/** An app under observe() whose `/agree` answers what its handler saw. */
function observedApp(): Hono {
  const app = new Hono();
  opened.push(
    observe(app, {
      service: 'checkout',
      logging: { destination: memoryDestination() },
      tracing: { exporter: 'memory', processor: 'simple' },
    }),
  );
  app.get('/agree', async (c) => c.json(await everywhere()));
  return app;
}

describe('under observe()', () => {
  it('getContext(), getTraceIds() and the active span agree wherever the request runs', async () => {
    const app = observedApp();
    const res = await app.request('/agree');
    expectAgreement(res, (await res.json()) as Seen[]);
  });

  it('keeps two concurrent requests apart', async () => {
    const app = observedApp();
    const [a, b] = await Promise.all([app.request('/agree'), app.request('/agree')]);
    const [seenA, seenB] = [(await a.json()) as Seen[], (await b.json()) as Seen[]];
    expectAgreement(a, seenA);
    expectAgreement(b, seenB);
    expect(seenA[0]!.traceId).not.toBe(seenB[0]!.traceId);
  });
});

describe("with the packages' own middlewares", () => {
  let tracingSetUp: Tracing;
  beforeAll(() => {
    tracingSetUp = initTracing({
      service: { name: 'checkout' },
      exporter: 'memory',
      processor: 'simple',
    });
  });
  afterAll(() => tracingSetUp.shutdown());

  const logger = createLogger({ service: { name: 'checkout' }, destination: memoryDestination() });
  const metrics = createMetrics({ service: { name: 'checkout' } });
  const parts: Record<string, () => MiddlewareHandler> = {
    context: () => obsContext(),
    tracing: () => tracing(),
    logging: () => requestLogger({ logger }),
    metrics: () => httpMetrics({ metrics }),
  };
  const orders = [
    ['context', 'tracing', 'logging', 'metrics'],
    ['tracing', 'context', 'metrics', 'logging'],
    ['metrics', 'logging', 'tracing', 'context'],
  ];

  it.each(orders)('agree in the order %s, %s, %s, %s', async (...order: string[]) => {
    const app = new Hono();
    for (const part of order) app.use(parts[part]!());
    app.get('/agree', async (c) => c.json(await everywhere()));
    const res = await app.request('/agree');
    expectAgreement(res, (await res.json()) as Seen[]);
  });
});
