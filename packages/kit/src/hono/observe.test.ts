import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Hono } from 'hono';
import { isObsError, setInternalErrorHandler } from '@obs/core';
import type { Health } from '@obs/health';
import { memoryDestination, type Logger, type MemoryDestination } from '@obs/logging';
import { initTracing, type Tracing } from '@obs/tracing';
import type { Observability } from '../index';
import { observe, type ObserveOptions } from './index';
import { THROWN } from '../../../../scripts/thrown-values.fixture';

const HEX32 = /^[0-9a-f]{32}$/;
const opened: { shutdown(): Promise<void> }[] = [];

afterEach(async () => {
  // Tracing is one per process: each test's must be gone before the next sets up its own.
  await Promise.all(opened.splice(0).map((o) => o.shutdown()));
});

/** A small service observed by the kit: logs to memory, spans to memory, as each test adds. */
function service<O extends ObserveOptions>(options: O) {
  const logs = memoryDestination();
  const app = new Hono();
  // Typed by what the test passed (the defaults added here keep their parts present).
  const obs: Observability<O> = observe(app, {
    service: 'checkout',
    ...options,
    logging: options.logging ?? { destination: logs },
    tracing: options.tracing ?? { exporter: 'memory', processor: 'simple' },
  }) as unknown as Observability<O>;
  opened.push(obs);
  app.get('/orders/:id', (c) => {
    c.var.logger.info('loading order');
    return c.json({ id: c.req.param('id') });
  });
  app.get('/boom', () => {
    throw new Error('kaput');
  });
  return { app, obs, logs };
}

function linesOf(logs: MemoryDestination, res: Response) {
  return logs.records().filter((r) => r.request_id === res.headers.get('x-request-id'));
}

describe('observe(app) with the defaults', () => {
  it('gives each request an X-Request-ID, accepting a well-formed one from the caller', async () => {
    const { app } = service({});
    const fresh = await app.request('/orders/42');
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await app.request('/orders/42', { headers: { 'X-Request-ID': 'req-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('req-abc-123');
  });

  it("logs one line per request with its request id, trace id and route, beside the handler's own", async () => {
    const { app, logs } = service({});
    const res = await app.request('/orders/42');
    const lines = linesOf(logs, res);
    expect(lines.map((l) => l.message)).toEqual(['loading order', 'request completed']);
    const [own, completed] = lines;
    expect(completed).toMatchObject({
      level: 'info',
      service: 'checkout',
      route: '/orders/:id',
      status: 200,
      trace_id: own!.trace_id,
    });
    expect(completed!.trace_id).toMatch(HEX32);
  });

  it('traces each request as a span named by its route, with the trace id the logs carry', async () => {
    const { app, obs, logs } = service({});
    const res = await app.request('/orders/42');
    const spans = obs.tracing.memory!.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['GET /orders/:id']);
    expect(linesOf(logs, res)[0]!.trace_id).toBe(spans[0]!.spanContext().traceId);
  });

  it('serves /metrics with HTTP metrics labelled by the route template', async () => {
    const { app } = service({});
    await app.request('/orders/42');
    await app.request('/orders/43');
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/orders\/:id"[^}]*\} 2/);
    expect(text).toContain('http_request_duration_seconds_bucket{');
    expect(text).not.toContain('/orders/42');
  });

  it('answers /health, /ready and /live', async () => {
    const { app, obs } = service({});
    obs.health.register('database', () => true);
    const health = await app.request('/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', service: 'checkout' });
    expect((await app.request('/ready')).status).toBe(200);
    expect((await app.request('/live')).status).toBe(200);
  });

  it('keeps probes and scrapes out of the logs, the spans and the HTTP metrics', async () => {
    const { app, obs, logs } = service({});
    for (const path of ['/health', '/ready', '/live', '/metrics']) await app.request(path);
    expect(logs.records()).toEqual([]);
    expect(obs.tracing.memory!.getFinishedSpans()).toEqual([]);
    expect(await (await app.request('/metrics')).text()).not.toContain('route="/health"');
  });

  it('adds path lists given for logs, spans and metrics to the probes and scrapes it leaves out', async () => {
    const logs = memoryDestination();
    const { app, obs } = service({
      logging: { destination: logs, skip: ['/internal*'] },
      tracing: { exporter: 'memory', processor: 'simple', exclude: ['/internal*'] },
      metrics: { exclude: ['/internal*'] },
    });
    for (const path of ['/health', '/ready', '/live', '/metrics', '/internal/x']) {
      await app.request(path);
    }
    expect(logs.records()).toEqual([]);
    expect(obs.tracing.memory!.getFinishedSpans()).toEqual([]);
    expect(await obs.metrics.metricsText()).not.toContain('http_requests_total{');
    await app.request('/orders/1');
    expect(logs.records().map((r) => r.message)).toEqual(['loading order', 'request completed']);
  });

  it('lets a predicate replace the paths it leaves out', async () => {
    const logs = memoryDestination();
    const { app } = service({
      logging: { destination: logs, skip: (c) => c.req.path.startsWith('/orders') },
    });
    for (const path of ['/orders/1', '/live']) await app.request(path);
    expect(logs.records().filter((r) => r.message === 'request completed')).toEqual([
      expect.objectContaining({ path: '/live' }),
    ]);
  });

  it('answers a thrown error as problem+json with the request id, and logs it with the error', async () => {
    const { app, logs } = service({});
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const requestId = res.headers.get('x-request-id');
    expect(await res.json()).toMatchObject({ status: 500, request_id: requestId });
    expect(linesOf(logs, res)).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'request completed',
        error: expect.objectContaining({ message: 'kaput' }) as unknown,
      }),
    ]);
  });

  it('answers an unknown path as a problem+json 404', async () => {
    const { app } = service({});
    const res = await app.request('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 404,
      request_id: res.headers.get('x-request-id'),
    });
  });

  it('returns every created object, typed as present', () => {
    const { obs } = service({});
    const created: [Tracing, Logger, Health] = [obs.tracing, obs.logger, obs.health];
    expect(created.every(Boolean)).toBe(true);
    expect(obs.service).toMatchObject({ name: 'checkout' });
    expect(obs.errors.enabled).toBe(false); // no SENTRY_DSN: a working no-op
    expect(obs.metrics.registry).toBeDefined();
  });
});

describe('a thrown value that is not an Error', () => {
  /** Sentry envelopes, kept in memory instead of sent. */
  function memoryTransport() {
    const envelopes: [unknown, [{ type: string }, unknown][]][] = [];
    const transport = () => ({
      send: (envelope: (typeof envelopes)[number]) => (
        envelopes.push(envelope),
        Promise.resolve({})
      ),
      flush: () => Promise.resolve(true),
    });
    const events = () =>
      envelopes.flatMap(([, items]) => items.filter(([header]) => header.type === 'event'));
    return { transport, events };
  }

  it.each(THROWN)(
    'gets the error path for %s: problem+json 500, request id, one error line, counted, reported',
    async (_label, handler) => {
      const { transport, events } = memoryTransport();
      const { app, obs, logs } = service({
        errors: { dsn: 'http://public@127.0.0.1:9/1', transport: transport as never },
      });
      app.get('/non-error', handler);
      const res = await app.request('/non-error');
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await res.json()).toMatchObject({ status: 500, request_id: requestId });
      expect(linesOf(logs, res)).toEqual([
        expect.objectContaining({
          level: 'error',
          message: 'request completed',
          status: 500,
          error: expect.objectContaining({ type: 'NonError' }) as unknown,
        }),
      ]);
      expect(await obs.metrics.metricsText()).toMatch(
        /http_requests_total\{[^}]*route="\/non-error"[^}]*status="500"[^}]*\} 1\n/,
      );
      expect(await obs.errors.flush(30_000)).toBe(true);
      expect(events()).toHaveLength(1);
      const [, event] = events()[0]!;
      expect(event).toMatchObject({
        exception: { values: [expect.objectContaining({ type: 'NonError' })] },
        tags: expect.objectContaining({ request_id: requestId }) as unknown,
      });
    },
  );
});

describe('each part switched off', () => {
  it('context: no request id', async () => {
    const { app, obs } = service({ context: false });
    const res = await app.request('/orders/42');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeNull();
    expect(obs.logger).toBeDefined();
  });

  it('tracing: no tracing object, and log lines without a trace id', async () => {
    const { app, obs, logs } = service({ tracing: false });
    const undefinedTracing: undefined = obs.tracing;
    expect(undefinedTracing).toBeUndefined();
    const res = await app.request('/orders/42');
    expect(linesOf(logs, res).map((l) => l.trace_id)).toEqual([undefined, undefined]);
  });

  it('logging: no logger and no request logs', async () => {
    const app = new Hono();
    const obs = observe(app, { logging: false, tracing: false });
    opened.push(obs);
    app.get('/', (c) => c.text('logger' in c.var ? 'logger' : 'no logger'));
    const none: undefined = obs.logger; // typed as absent too
    expect(none).toBeUndefined();
    expect(await (await app.request('/')).text()).toBe('no logger');
  });

  it('metrics: no metrics object and no /metrics', async () => {
    const { app, obs } = service({ metrics: false });
    expect(obs.metrics).toBeUndefined();
    expect((await app.request('/metrics')).status).toBe(404);
  });

  it('health: no health object and no probe routes', async () => {
    const { app, obs } = service({ health: false });
    expect(obs.health).toBeUndefined();
    for (const path of ['/health', '/ready', '/live'])
      expect((await app.request(path)).status).toBe(404);
  });

  it("errors: no tracker, and Hono's own error and not-found answers", async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined); // Hono's own report
    const { app, obs } = service({ errors: false });
    expect(obs.errors).toBeUndefined();
    const boom = await app.request('/boom');
    expect([boom.status, await boom.text()]).toEqual([500, 'Internal Server Error']);
    const missing = await app.request('/no/such/route');
    expect(missing.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('takes true as the defaults, and a boolean the type cannot know as maybe absent', async () => {
    const enabled = process.env.NO_SUCH_SWITCH !== 'off';
    const { app, obs } = service({ health: enabled, metrics: true });
    const maybe: Health | undefined = obs.health;
    expect(maybe).toBeDefined();
    expect((await app.request('/metrics')).status).toBe(200);
  });
});

describe('options passed through to each package', () => {
  it("context: obsContext()'s header name", async () => {
    const { app } = service({ context: { headerName: 'X-Correlation-ID' } });
    const res = await app.request('/orders/1', { headers: { 'X-Correlation-ID': 'corr-12345' } });
    expect(res.headers.get('x-correlation-id')).toBe('corr-12345');
  });

  it("tracing: initTracing()'s and the middleware's options", async () => {
    const { app, obs } = service({
      tracing: {
        exporter: 'memory',
        processor: 'simple',
        responseHeader: true,
        exclude: ['/boom'],
      },
    });
    const res = await app.request('/orders/1');
    expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await app.request('/boom');
    expect(obs.tracing.memory!.getFinishedSpans().map((s) => s.name)).toEqual(['GET /orders/:id']);
  });

  it('tracing: sampleRatio 0 records no span, and each log line still carries a trace id', async () => {
    const { app, obs, logs } = service({
      tracing: { exporter: 'memory', processor: 'simple', sampleRatio: 0 },
    });
    const res = await app.request('/orders/1');
    expect(obs.tracing.memory!.getFinishedSpans()).toEqual([]);
    expect(linesOf(logs, res).map((l) => l.trace_id)).toEqual([
      expect.stringMatching(HEX32),
      expect.stringMatching(HEX32),
    ]);
  });

  it("logging: createLogger()'s and requestLogger()'s options", async () => {
    const logs = memoryDestination();
    const { app } = service({ logging: { destination: logs, level: 'warn', skip: ['/boom'] } });
    await app.request('/orders/1'); // info: below the level
    await app.request('/boom'); // skipped
    const missing = await app.request('/no/such/route');
    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'warn',
        status: 404,
        request_id: missing.headers.get('x-request-id'),
      }),
    ]);
  });

  it("metrics: createMetrics()'s, httpMetrics()' and metricsHandler()'s options, and the path", async () => {
    const token = 'scrape-token-0123456789';
    const { app, obs } = service({
      metrics: {
        prefix: 'shop_',
        groupStatus: true,
        auth: { bearer: token },
        path: '/internal/metrics',
      },
    });
    obs.metrics.counter({ name: 'orders_total', help: 'Orders placed.' }).inc();
    await app.request('/orders/1');
    expect((await app.request('/metrics')).status).toBe(404);
    expect((await app.request('/internal/metrics')).status).toBe(401);
    const res = await app.request('/internal/metrics', {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    expect(text).toContain('shop_orders_total');
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/orders\/:id",status="2xx"/);
    // The moved scrape path stays out of the HTTP metrics, as /metrics does.
    expect(text).not.toContain('route="/internal/metrics"');
  });

  it('metrics: path false keeps the middleware and leaves the route to the app', async () => {
    const { app, obs } = service({ metrics: { path: false } });
    await app.request('/orders/1');
    expect((await app.request('/metrics')).status).toBe(404);
    expect(await obs.metrics.metricsText()).toContain('route="/orders/:id"');
  });

  it("health: createHealth()'s and healthRoutes()'s options", async () => {
    const token = 'health-token-0123456789';
    const seen: string[] = [];
    const { app, obs, logs } = service({
      health: { paths: { health: '/status' }, token, onResult: (name) => seen.push(name) },
    });
    obs.health.register('cache', () => true);
    expect(await (await app.request('/status')).json()).toEqual({ status: 'healthy' });
    const detailed = await app.request('/status', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await detailed.json()).toMatchObject({ checks: { cache: { status: 'healthy' } } });
    expect(seen).toContain('cache');
    await app.request('/status/cache');
    expect(logs.records()).toEqual([]); // the moved probe path and its sub-paths are not logged
    await app.request('/statusboard'); // the service's own traffic, though unmatched
    expect(logs.records().map((r) => r.path)).toEqual(['/statusboard']);
  });

  it("errors: initErrors()'s and errorHandler()'s options", async () => {
    const counted: { type: string; status: string }[] = [];
    const { app, obs } = service({
      errors: {
        ignoreStatuses: [],
        typeBase: 'https://errors.example/',
        count: (l) => counted.push(l),
      },
    });
    const missing = await app.request('/no/such/route');
    expect(await missing.json()).toMatchObject({ type: 'https://errors.example/not-found' });
    await app.request('/boom');
    expect(counted).toEqual([{ type: 'Error', status: '500' }]);
    expect(obs.errors.enabled).toBe(false);
  });

  it('service: one identity, given as an object, on every signal', async () => {
    const { app, obs, logs } = service({ service: { name: 'billing', version: '1.4.2' } });
    await app.request('/orders/1');
    expect(logs.records()[0]).toMatchObject({ service: 'billing', version: '1.4.2' });
    expect(obs.tracing.provider).toBeDefined();
    expect(await obs.metrics.metricsText()).toContain('service="billing"');
    expect(obs.errors.service).toMatchObject({ name: 'billing', version: '1.4.2' });
  });
});

describe('bad options', () => {
  it.each<[ObserveOptions, string]>([
    [{ service: '' }, 'service'],
    [{ service: { name: 'a', colour: 'red' } as never }, 'service.colour'],
    [{ logging: { level: 'loud' as never } }, 'logging.level'],
    [{ logging: { skip: 'health' as never } }, 'logging.skip'],
    [{ metrics: { prefix: 'no spaces' } }, 'metrics.prefix'],
    [{ metrics: { auth: { bearer: '' } } }, 'metrics.auth.bearer'],
    [{ tracing: { sampleRatio: 2 } }, 'tracing.sampleRatio'],
    [{ health: { token: 'short' } }, 'health.token'],
    [{ errors: { log: 'yes' as never } }, 'errors.log'],
    [{ context: { headerName: 42 as never } }, 'context.headerName'],
    [{ metrics: 'on' as never }, 'metrics'],
    [{ colour: 'red' } as never, 'colour'],
    [{ metrics: { path: '' } }, 'metrics.path'],
    [{ metrics: { path: 'metrics' } }, 'metrics.path'],
    [{ metrics: { path: 42 as never } }, 'metrics.path'],
    [{ logging: { skp: ['/x'] } as never }, 'logging.skp'],
    [{ health: { tokn: 'abcdefghijklmnopqrstu' } as never }, 'health.tokn'],
    [{ tracing: { excluded: [] } as never }, 'tracing.excluded'],
    [{ tracing: { service: 'other' } as never }, 'tracing.service'],
    [{ context: { header: 'X-Id' } as never }, 'context.header'],
    [{ service: { name: '' } }, 'service.name'],
  ])('%j throws ObsConfigError naming %s', (options, option) => {
    const app = new Hono();
    let thrown: unknown;
    try {
      opened.push(observe(app, { logging: { destination: memoryDestination() }, ...options }));
    } catch (err) {
      thrown = err;
    }
    expect(isObsError(thrown, 'CONFIG_INVALID')).toBe(true);
    expect(thrown).toMatchObject({ name: 'ObsConfigError', option });
    expect(app.routes).toEqual([]); // the app is left as it was
  });

  it('refuses an app that already has routes, which it would not see', () => {
    const app = new Hono();
    app.get('/early', (c) => c.text('unobserved'));
    expect(() => observe(app)).toThrow(expect.objectContaining({ option: 'app' }));
  });

  it('leaves nothing set up after a bad option, so the corrected call starts clean', async () => {
    expect(() =>
      observe(new Hono(), { tracing: { exporter: 'memory' }, metrics: { prefix: '1bad' } }),
    ).toThrow(expect.objectContaining({ option: 'metrics.prefix' }));
    await new Promise((resolve) => setImmediate(resolve));
    const { app, obs } = service({
      tracing: { exporter: 'memory', processor: 'simple', memorySpans: 7 },
    });
    await app.request('/orders/1');
    expect(obs.tracing.memory!.max).toBe(7); // its own set-up, not the failed call's
    expect(obs.tracing.memory!.getFinishedSpans()).toHaveLength(1);
  });

  it('traces a corrected call made at once after a middleware refused its options', async () => {
    expect(() =>
      observe(new Hono(), {
        tracing: { exporter: 'memory' },
        context: { headerName: 42 as never },
      }),
    ).toThrow(expect.objectContaining({ option: 'context.headerName' }));
    const { app, obs } = service({});
    await app.request('/orders/1');
    expect(obs.tracing.memory!.getFinishedSpans()).toHaveLength(1);
  });
});

describe('tracing set up before observe()', () => {
  function reported(): string[] {
    const messages: string[] = [];
    setInternalErrorHandler((err) => messages.push((err as Error).message));
    return messages;
  }
  afterEach(() => setInternalErrorHandler(undefined));

  it("is shared by a second observe(), which says its tracing options were not applied, and whose shutdown leaves the first one's spans flowing", async () => {
    const messages = reported();
    const first = service({ tracing: { exporter: 'memory', processor: 'simple', memorySpans: 5 } });
    const second = service({
      tracing: { exporter: 'memory', processor: 'simple', memorySpans: 9 },
    });
    expect(second.obs.tracing).toBe(first.obs.tracing);
    expect(messages).toEqual([
      expect.stringContaining('options were not applied: exporter, processor, memorySpans'),
    ]);

    await second.obs.shutdown();
    await first.app.request('/orders/1');
    expect(first.obs.tracing.memory!.getFinishedSpans()).toHaveLength(1);
    await first.obs.shutdown();
    // The last holder closed it: a new observe() sets up its own.
    expect(service({}).obs.tracing).not.toBe(first.obs.tracing);
  });

  it("by the app's own initTracing() is used, and left running when observe() fails or shuts down", async () => {
    reported();
    const own = initTracing({ service: { name: 'app' }, exporter: 'memory', processor: 'simple' });
    try {
      expect(() => observe(new Hono(), { metrics: { prefix: '1bad' } })).toThrow(
        expect.objectContaining({ option: 'metrics.prefix' }),
      );
      const { app, obs } = service({});
      expect(obs.tracing).toBe(own);
      await obs.shutdown();
      await app.request('/orders/1');
      own.tracer.startSpan('after the kit').end();
      expect(own.memory!.getFinishedSpans().map((s) => s.name)).toEqual([
        'GET /orders/:id',
        'after the kit',
      ]);
    } finally {
      await own.shutdown();
    }
  });
});

describe('shutdown()', () => {
  it('exports pending spans, then closes the logs, then releases the metrics, once', async () => {
    const order: string[] = [];
    const logs = memoryDestination();
    const { app, obs } = service({
      // A batch that would wait a minute: only shutdown sends it.
      tracing: { exporter: 'memory', scheduledDelayMillis: 60_000 },
      logging: {
        destination: {
          ...logs,
          close: () => {
            order.push('logging');
            return Promise.resolve();
          },
        },
      },
    });
    const releaseMetrics = obs.metrics.shutdown.bind(obs.metrics);
    obs.metrics.shutdown = () => {
      order.push('metrics');
      return releaseMetrics();
    };
    const ring = obs.tracing.memory!;
    const exportSpans = ring.export.bind(ring);
    ring.export = (spans, done) => {
      order.push('tracing');
      exportSpans(spans, done);
    };

    await app.request('/orders/1');
    expect(ring.getFinishedSpans()).toEqual([]);
    const first = obs.shutdown();
    expect(obs.shutdown()).toBe(first);
    await first;

    expect(ring.getFinishedSpans().map((s) => s.name)).toEqual(['GET /orders/:id']);
    expect(order).toEqual(['tracing', 'logging', 'metrics']);
    expect(obs.health.ready).toBe(false);
    expect((await app.request('/ready')).status).toBe(503);
  });
});
