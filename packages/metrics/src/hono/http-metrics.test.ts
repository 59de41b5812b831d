import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { hasPromtool, promtoolProblems, samples } from '../exposition.fixture';
import { createMetrics, OPENMETRICS_CONTENT_TYPE } from '../index';
import { httpMetrics, type HttpMetricsOptions } from './http-metrics';
import { metricsHandler, type MetricsHandlerOptions } from './metrics-handler';

function setup(
  options: Partial<HttpMetricsOptions> = {},
  handler: Partial<MetricsHandlerOptions> = {},
) {
  const metrics = createMetrics({ collectDefaultMetrics: false, defaultLabels: {} });
  const app = new Hono();
  let inFlightDuringRequest: string | undefined;
  app.use(httpMetrics({ metrics, ...options }));
  app.get('/metrics', metricsHandler({ metrics, ...handler }));
  app.get('/health', (c) => c.text('ok'));
  app.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  app.post('/api/v1/events', (c) => c.body('created', 201, { 'Content-Length': '7' }));
  app.get('/slow', async (c) => {
    inFlightDuringRequest = samples(await metrics.metricsText()).get(
      'http_requests_in_flight{method="GET"}',
    );
    return c.text('done');
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/teapot', () => {
    throw new HTTPException(418);
  });
  app.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.text('error', 500),
  );
  const text = async () => (await app.request('/metrics')).text();
  return { app, metrics, text, inFlight: () => inFlightDuringRequest };
}

const count = (text: string, labels: string) => samples(text).get(`http_requests_total{${labels}}`);

describe('httpMetrics()', () => {
  it('counts by method, route template and status, for matched, unmatched, thrown and excluded requests', async () => {
    const { app, text } = setup();
    await app.request('/api/v1/workspaces/w1');
    await app.request('/api/v1/workspaces/w2');
    await app.request('/nowhere/1');
    await app.request('/nowhere/2');
    await app.request('/boom');
    await app.request('/teapot');
    await app.request('/health');
    await app.request('/metrics');
    const out = await text();
    expect(count(out, 'method="GET",route="/api/v1/workspaces/:id",status="200"')).toBe('2');
    expect(count(out, 'method="GET",route="__unmatched__",status="404"')).toBe('2');
    expect(count(out, 'method="GET",route="/boom",status="500"')).toBe('1');
    expect(count(out, 'method="GET",route="/teapot",status="418"')).toBe('1');
    expect(out).not.toMatch(/route="\/(health|metrics)"/);
    expect(out).not.toContain('/api/v1/workspaces/w1');
    expect(
      samples(out).get(
        'http_request_duration_seconds_count{method="GET",route="/api/v1/workspaces/:id",status="200"}',
      ),
    ).toBe('2');
    if (hasPromtool) expect(promtoolProblems(out)).toBe('');
  });

  it('leaves out /health, /healthz and paths under /health by default, not /healthcare or /healthplans', async () => {
    const { app, text } = setup();
    for (const path of ['/health/db', '/healthz', '/healthcare/patients/:id', '/healthplans'])
      app.get(path, (c) => c.text('ok'));
    for (const path of ['/health', '/health/', '/health/db', '/healthz']) await app.request(path);
    await app.request('/healthcare/patients/1');
    await app.request('/healthplans');
    const counted = [...samples(await text())].filter(([k]) => k.startsWith('http_requests_total'));
    expect(counted).toEqual([
      ['http_requests_total{method="GET",route="/healthcare/patients/:id",status="200"}', '1'],
      ['http_requests_total{method="GET",route="/healthplans",status="200"}', '1'],
    ]);
  });

  it('reads an exclude pattern ending in * as the path and its sub-paths', async () => {
    const { app, text } = setup({ exclude: ['/admin*'] });
    for (const path of ['/admin', '/admin/users', '/administrators'])
      app.get(path, (c) => c.text('ok'));
    for (const path of ['/admin', '/admin/', '/admin/users', '/administrators'])
      await app.request(path);
    const out = await text();
    expect(count(out, 'method="GET",route="/administrators",status="200"')).toBe('1');
    expect(out).not.toMatch(/route="\/admin(\/users)?"/);
    expect(out).not.toContain('__unmatched__');
  });

  it('counts a non-Error throw as a 500', async () => {
    const { app, text } = setup();
    app.get('/string', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'not an error';
    });
    // Handed to app.onError as an Error (Hono's own answers a plain 500).
    expect((await app.request('/string')).status).toBe(500);
    expect(count(await text(), 'method="GET",route="/string",status="500"')).toBe('1');
  });

  it('tracks requests in flight and returns to 0', async () => {
    const { app, text, inFlight } = setup();
    await app.request('/slow');
    expect(inFlight()).toBe('1');
    expect(samples(await text()).get('http_requests_in_flight{method="GET"}')).toBe('0');
  });

  it('folds unknown methods into _OTHER and can group statuses', async () => {
    const { app, text } = setup({ groupStatus: true });
    await app.request('/api/v1/workspaces/w1', { method: 'BREW' });
    await app.request('/api/v1/workspaces/w1');
    const out = await text();
    expect(count(out, 'method="_OTHER",route="__unmatched__",status="4xx"')).toBe('1');
    expect(count(out, 'method="GET",route="/api/v1/workspaces/:id",status="2xx"')).toBe('1');
  });

  it('observes request and response sizes from Content-Length', async () => {
    const { app, text } = setup();
    await app.request('/api/v1/events', {
      method: 'POST',
      body: 'x'.repeat(150),
      headers: { 'content-length': '150' },
    });
    const out = samples(await text());
    const labels = 'method="POST",route="/api/v1/events",status="201"';
    expect(out.get(`http_request_size_bytes_sum{${labels}}`)).toBe('150');
    expect(out.get(`http_response_size_bytes_sum{${labels}}`)).toBe('7');
  });

  it('adds extra labels read from the request', async () => {
    const { app, text } = setup({
      extraLabels: {
        tier: (c) => c.req.header('x-tier') ?? 'free',
        broken: () => {
          throw new Error('label reader failed');
        },
      },
    });
    await app.request('/api/v1/workspaces/w1', { headers: { 'x-tier': 'pro' } });
    expect(
      count(
        await text(),
        'method="GET",route="/api/v1/workspaces/:id",status="200",tier="pro",broken=""',
      ),
    ).toBe('1');
  });

  it('uses the seeds’ custom names when given, and leaves optional metrics out', async () => {
    const { app, text } = setup({
      names: { requests: 'api_requests_total' },
      inFlight: false,
      sizes: false,
    });
    await app.request('/api/v1/workspaces/w1');
    const out = await text();
    expect(out).toContain(
      'api_requests_total{method="GET",route="/api/v1/workspaces/:id",status="200"} 1',
    );
    expect(out).not.toContain('http_requests_in_flight');
    expect(out).not.toContain('http_request_size_bytes');
  });

  describe('exemplars', () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeAll(() => {
      context.setGlobalContextManager(manager.enable());
    });
    afterAll(() => {
      context.disable();
    });

    it('carry the sampled trace id in OpenMetrics, not in text 0.0.4', async () => {
      const { app } = setup();
      const tracer = new TracerProvider().getTracer('t');
      const traceId = await tracer.startActiveSpan('request', async (span) => {
        await app.request('/api/v1/workspaces/w1');
        span.end();
        return span.spanContext().traceId;
      });
      const om = await (
        await app.request('/metrics', {
          headers: { accept: 'application/openmetrics-text; version=1.0.0' },
        })
      ).text();
      expect(om).toContain(`# {trace_id="${traceId}"}`);
      expect(om.endsWith('# EOF\n')).toBe(true);
      const plain = await (await app.request('/metrics')).text();
      expect(plain).not.toContain('trace_id');
    });
  });
});

describe('httpMetrics() across reset() and with a push backend', () => {
  it('counts again after metrics.reset(), from zero', async () => {
    const { app, metrics, text } = setup();
    await app.request('/api/v1/workspaces/w1');
    metrics.reset();
    await app.request('/api/v1/workspaces/w1');
    await app.request('/api/v1/workspaces/w2');
    const out = await text();
    expect(count(out, 'method="GET",route="/api/v1/workspaces/:id",status="200"')).toBe('2');
    expect(samples(out).get('http_requests_in_flight{method="GET"}')).toBe('0');
  });

  it('sends http_requests_total and the in-flight gauge to the backend too', async () => {
    const lines: string[] = [];
    const metrics = createMetrics({
      collectDefaultMetrics: false,
      backend: { type: 'console', write: (line) => lines.push(line) },
    });
    const app = new Hono();
    app.use(httpMetrics({ metrics }));
    app.get('/x', (c) => c.text('ok'));
    await app.request('/x');
    const names = lines.map((line) => /^\[metrics\] (\w+)/.exec(line)?.[1]);
    expect(names).toEqual(
      expect.arrayContaining([
        'http_requests_in_flight',
        'http_requests_total',
        'http_request_duration_seconds',
      ]),
    );
    expect(names.filter((n) => n === 'http_requests_in_flight')).toHaveLength(2); // up, down
  });
});

describe('httpMetrics() with metrics disabled', () => {
  it('passes requests through untouched', async () => {
    const metrics = createMetrics({ enabled: false });
    const app = new Hono();
    app.use(httpMetrics({ metrics }));
    app.get('/x', (c) => c.text('ok'));
    expect(await (await app.request('/x')).text()).toBe('ok');
    expect(await metrics.metricsText()).toBe('');
  });
});

describe('metricsHandler()', () => {
  it('negotiates the format and reports its own scrape duration', async () => {
    const { app } = setup();
    const om = await app.request('/metrics', {
      headers: { accept: 'application/openmetrics-text' },
    });
    expect(om.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
    const plain = await app.request('/metrics', { headers: { accept: 'text/plain' } });
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await plain.text()).toMatch(/^obs_metrics_scrape_duration_seconds \d/m);
  });

  it('gzips when the scraper accepts it', async () => {
    const { app } = setup();
    await app.request('/api/v1/workspaces/w1');
    const res = await app.request('/metrics', { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString();
    expect(text).toContain('http_requests_total{');
  });

  it('rejects a wrong bearer token with 401 and no metrics in the body', async () => {
    const { app } = setup({}, { auth: { bearer: 's3cret' } });
    await app.request('/api/v1/workspaces/w1');
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cre', 'Basic czNjcmV0']) {
      const res = await app.request(
        '/metrics',
        authorization ? { headers: { authorization } } : {},
      );
      expect(res.status).toBe(401);
      const body = await res.text();
      expect(body).not.toContain('http_');
      expect(body).not.toContain('#');
    }
    const ok = await app.request('/metrics', { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
  });

  it('accepts basic auth credentials', async () => {
    const { app } = setup({}, { auth: { username: 'prom', password: 'pw' } });
    const good = `Basic ${Buffer.from('prom:pw').toString('base64')}`;
    expect((await app.request('/metrics', { headers: { authorization: good } })).status).toBe(200);
    expect(
      (await app.request('/metrics', { headers: { authorization: 'Basic cHJvbTp4' } })).status,
    ).toBe(401);
  });

  it('leaves a slow collector out of the scrape instead of stalling it', async () => {
    const metrics = createMetrics({
      collectDefaultMetrics: false,
      defaultLabels: {},
      collectTimeoutMs: 50,
    });
    metrics.gauge({
      name: 'slow_gauge',
      help: 'never finishes collecting',
      collect: () => new Promise(() => undefined),
    });
    metrics.counter({ name: 'fine_total', help: 'fine' }).inc();
    const app = new Hono();
    app.get('/metrics', metricsHandler({ metrics }));
    const res = await app.request('/metrics');
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('fine_total 1');
    expect(text).not.toContain('slow_gauge');
  });
});
