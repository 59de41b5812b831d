import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { obsContext } from '@obs/core/hono';
import { createLogger, memoryDestination } from '../index';
import { requestLogger, type RequestLoggerOptions } from './request-logger';

function setup(options: Partial<RequestLoggerOptions> = {}) {
  const sink = memoryDestination();
  const logger = createLogger({ destination: sink, level: 'debug', service: { name: 'api' } });
  const app = new Hono();
  app.use(obsContext());
  app.use(requestLogger({ logger, ...options }));
  app.get('/api/v1/workspaces/:id', (c) => {
    c.var.logger.info('loading workspace', { id: c.req.param('id') });
    return c.json({ id: c.req.param('id') });
  });
  app.post('/api/v1/events', async (c) => c.json(await c.req.json(), 201));
  app.get('/bad', () => {
    throw new HTTPException(422, { message: 'nope' });
  });
  app.get('/boom', () => {
    throw new Error('database exploded');
  });
  app.get('/slow', async (c) => {
    await sleep(20);
    return c.body('slow', 200, { 'Content-Length': '4' });
  });
  app.get('/health', (c) => c.text('ok'));
  app.get('/healthz/deep', (c) => c.text('ok'));
  app.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.text('Internal Server Error', 500),
  );
  const completed = () => sink.records().filter((r) => r.message === 'request completed');
  return { app, sink, completed };
}

describe('requestLogger()', () => {
  it('logs one record per request with route template, status, duration, sizes, client and request id', async () => {
    const { app, sink, completed } = setup();
    const res = await app.request(
      '/api/v1/workspaces/w_42',
      { headers: { 'X-Request-ID': 'req-1', 'User-Agent': 'curl/8' } },
      { incoming: { socket: { remoteAddress: '192.0.2.4' } } },
    );
    expect(res.status).toBe(200);
    const [record] = completed();
    expect(record).toMatchObject({
      level: 'info',
      request_id: 'req-1',
      method: 'GET',
      path: '/api/v1/workspaces/w_42',
      route: '/api/v1/workspaces/:id',
      status: 200,
      client_ip: '192.0.2.4',
      user_agent: 'curl/8',
    });
    expect(record!.duration_ms).toEqual(expect.any(Number));
    // the handler's own line, through c.var.logger, carries the request id too
    expect(sink.records()[0]).toMatchObject({ message: 'loading workspace', request_id: 'req-1' });
  });

  it('records the request size and measures the duration', async () => {
    const { app, completed } = setup();
    const body = JSON.stringify({ events: [1, 2, 3] });
    await app.request('/api/v1/events', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
    await app.request('/slow');
    expect(completed()[0]).toMatchObject({
      method: 'POST',
      status: 201,
      request_size: body.length,
    });
    expect(completed()[1]).toMatchObject({ response_size: 4 });
    expect(completed()[1]!.duration_ms).toBeGreaterThanOrEqual(15);
  });

  it('logs 4xx at warn and 5xx at error, with any thrown error, and unmatched paths without a route', async () => {
    const { app, completed } = setup();
    await app.request('/bad');
    await app.request('/boom');
    await app.request('/does/not/exist');
    const [bad, boom, missing] = completed();
    expect(bad).toMatchObject({
      level: 'warn',
      status: 422,
      route: '/bad',
      error: { message: 'nope' },
    });
    expect(boom).toMatchObject({
      level: 'error',
      status: 500,
      error: { type: 'Error', message: 'database exploded' },
    });
    expect((boom!.error as { stack: string }).stack).toContain('database exploded');
    expect(missing).toMatchObject({ level: 'warn', status: 404 });
    expect(missing).not.toHaveProperty('route');
  });

  it('keeps the stack of errors behind 5xx only: a 4xx line has type, message, status and code', async () => {
    class ValidationError extends Error {
      override name = 'ValidationError';
      readonly status = 422;
      readonly code = 'invalid_body';
    }
    const { app, completed } = setup();
    app.get('/missing', () => {
      throw new HTTPException(404, { message: 'no such workspace' });
    });
    app.post('/invalid', () => {
      throw new ValidationError('credits: expected a number');
    });
    app.onError((err, c) => {
      if (err instanceof HTTPException) return err.getResponse();
      if (err instanceof ValidationError) return c.json({ detail: err.message }, 422);
      return c.text('Internal Server Error', 500);
    });
    await app.request('/missing');
    await app.request('/invalid', { method: 'POST' });
    await app.request('/boom');
    const [missing, invalid, boom] = completed();
    expect(missing).toMatchObject({ level: 'warn', status: 404 });
    expect(missing!.error).toEqual({ type: 'Error', message: 'no such workspace', status: 404 });
    expect(invalid).toMatchObject({ level: 'warn', status: 422 });
    expect(invalid!.error).toEqual({
      type: 'ValidationError',
      message: 'credits: expected a number',
      status: 422,
      code: 'invalid_body',
    });
    expect(boom).toMatchObject({ level: 'error', status: 500 });
    expect(boom!.error).toMatchObject({ type: 'Error', message: 'database exploded' });
    expect((boom!.error as { stack: string }).stack).toContain('request-logger.test.ts');
  });

  it('logs a thrown non-Error value as a 500 with what was thrown', async () => {
    const { app, completed } = setup();
    app.get('/string-throw', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'plain string';
    });
    expect((await app.request('/string-throw')).status).toBe(500);
    expect(completed()[0]).toMatchObject({
      level: 'error',
      status: 500,
      error: { type: 'NonError', message: 'Non-Error thrown: "plain string"' },
    });
  });

  it('redacts sensitive query parameters and headers', async () => {
    const { app, completed } = setup({ headers: true });
    // Secrets no random id or timestamp can contain ('abc' is in 1 of ~140 random UUIDs).
    await app.request('/api/v1/workspaces/w?token=tok_QUERY_SECRET&api_key=k&page=2', {
      headers: { Authorization: 'Bearer AUTH_SECRET', Cookie: 'sid=COOKIE_SECRET', Accept: 'json' },
    });
    const [record] = completed();
    expect(record!.query).toEqual({ token: '[REDACTED]', api_key: '[REDACTED]', page: '2' });
    expect(record!.headers).toMatchObject({
      authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      accept: 'json',
    });
    expect(JSON.stringify(record)).not.toMatch(/QUERY_SECRET|AUTH_SECRET|COOKIE_SECRET/);
  });

  it('skips health, readiness, liveness and metrics paths by default, or what it is told', async () => {
    const { app, completed } = setup();
    await app.request('/health');
    await app.request('/health/deep');
    await app.request('/healthz');
    expect(completed()).toHaveLength(0);
    await app.request('/healthcare/patients/1'); // the service's own traffic, not a probe
    expect(completed().map((r) => r.path)).toEqual(['/healthcare/patients/1']);
    const custom = setup({ skip: (c) => c.req.path.startsWith('/api') });
    await custom.app.request('/api/v1/workspaces/w');
    await custom.app.request('/health');
    expect(custom.completed().map((r) => r.path)).toEqual(['/health']);
  });

  it('logs request started when asked', async () => {
    const { app, sink } = setup({ logStart: true });
    await app.request('/slow', { headers: { 'X-Request-ID': 'r-s' } });
    expect(sink.records().map((r) => [r.message, r.request_id])).toEqual([
      ['request started', 'r-s'],
      ['request completed', 'r-s'],
    ]);
  });

  it('keeps concurrent requests apart', async () => {
    const { app, completed } = setup();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) =>
        app.request(`/api/v1/workspaces/w${i}`, { headers: { 'X-Request-ID': `r${i}` } }),
      ),
    );
    for (const record of completed()) {
      expect(record.path).toBe(`/api/v1/workspaces/w${String(record.request_id).slice(1)}`);
    }
    expect(completed()).toHaveLength(20);
  });

  it('rejects a missing logger or a bad skip list', () => {
    expect(() => requestLogger({} as RequestLoggerOptions)).toThrow(
      expect.objectContaining({ option: 'logger' }),
    );
    const logger = createLogger({ destination: memoryDestination() });
    expect(() => requestLogger({ logger, skip: [1] as unknown as string[] })).toThrow(
      expect.objectContaining({ option: 'skip' }),
    );
  });
});
