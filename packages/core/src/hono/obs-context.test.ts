import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { getContext, updateContext } from '../context';
import { setInternalErrorHandler } from '../internal-errors';
import { contextFields } from '../context-fields';
import { obsContext } from './obs-context';
import { inErrorContext } from './thrown';
import { THROWN } from '../../../../scripts/thrown-values.fixture';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function socketEnv(remoteAddress: string) {
  return { incoming: { socket: { remoteAddress } } };
}

function appWith(options?: Parameters<typeof obsContext>[0]) {
  const app = new Hono();
  app.use(obsContext(options));
  app.get('/ctx', (c) => c.json({ var: c.var.requestId, ctx: getContext() ?? null }));
  app.get('/boom', () => {
    throw new Error('kaboom');
  });
  app.get('/teapot', () => {
    throw new HTTPException(418, { message: 'short and stout' });
  });
  app.get('/raw', () => Response.redirect('http://localhost/elsewhere', 302));
  // Hono's default handler, minus its console.error.
  app.onError((err, c) =>
    err instanceof HTTPException ? err.getResponse() : c.text('Internal Server Error', 500),
  );
  return app;
}

describe('obsContext()', () => {
  it('generates a UUID request id, exposes it and echoes it', async () => {
    const res = await appWith().request('/ctx');
    const body = (await res.json()) as { var: string; ctx: { requestId: string } };
    expect(body.var).toMatch(UUID);
    expect(body.ctx.requestId).toBe(body.var);
    expect(res.headers.get('X-Request-ID')).toBe(body.var);
  });

  it('keeps a well-formed inbound X-Request-ID', async () => {
    const res = await appWith().request('/ctx', { headers: { 'X-Request-ID': 'edge-42.a:b_c' } });
    expect(res.headers.get('X-Request-ID')).toBe('edge-42.a:b_c');
    expect(((await res.json()) as { var: string }).var).toBe('edge-42.a:b_c');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with quotes', '"abc"'],
    ['with markup', '<script>alert(1)</script>'],
  ])('replaces an inbound id %s and never reflects it', async (_label, bad) => {
    const res = await appWith().request('/ctx', { headers: { 'X-Request-ID': bad } });
    const echoed = res.headers.get('X-Request-ID');
    expect(echoed).toMatch(UUID);
    expect(echoed).not.toBe(bad);
    expect(JSON.stringify(await res.json())).not.toContain(bad);
  });

  it('echoes the id on error responses: thrown errors, HTTP exceptions, 404s', async () => {
    const app = appWith();
    for (const [path, status] of [
      ['/boom', 500],
      ['/teapot', 418],
      ['/missing', 404],
    ] as const) {
      const res = await app.request(path, { headers: { 'X-Request-ID': `id-${status}` } });
      expect(res.status).toBe(status);
      expect(res.headers.get('X-Request-ID')).toBe(`id-${status}`);
    }
  });

  it('echoes the id when a custom error handler builds its own response', async () => {
    const app = appWith();
    app.onError(() => new Response('custom', { status: 503 }));
    const res = await app.request('/boom', { headers: { 'X-Request-ID': 'custom-1' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('X-Request-ID')).toBe('custom-1');
  });

  it('echoes the id on responses with immutable headers', async () => {
    const res = await appWith().request('/raw', { headers: { 'X-Request-ID': 'raw-1' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('X-Request-ID')).toBe('raw-1');
  });

  it('uses a custom header name', async () => {
    const res = await appWith({ headerName: 'X-Trace-Token' }).request('/ctx', {
      headers: { 'X-Trace-Token': 'abc' },
    });
    expect(res.headers.get('X-Trace-Token')).toBe('abc');
    expect(res.headers.get('X-Request-ID')).toBeNull();
  });

  it('records a well-formed correlation id, user agent and client address', async () => {
    const res = await appWith().request(
      '/ctx',
      { headers: { 'X-Correlation-ID': 'corr-1', 'User-Agent': 'curl/8.0' } },
      socketEnv('::ffff:192.0.2.10'),
    );
    const { ctx } = (await res.json()) as { ctx: Record<string, unknown> };
    expect(ctx).toMatchObject({
      correlationId: 'corr-1',
      userAgent: 'curl/8.0',
      clientIp: '192.0.2.10',
    });
  });

  it('drops a malformed correlation id and caps the user agent', async () => {
    const res = await appWith().request('/ctx', {
      headers: { 'X-Correlation-ID': 'bad id', 'User-Agent': 'x'.repeat(2000) },
    });
    const { ctx } = (await res.json()) as { ctx: Record<string, unknown> };
    expect(ctx.correlationId).toBeUndefined();
    expect(ctx.userAgent).toHaveLength(512);
  });

  it('ignores X-Forwarded-For unless proxies are trusted', async () => {
    const headers = { 'X-Forwarded-For': '203.0.113.7' };
    const untrusted = await appWith().request('/ctx', { headers }, socketEnv('10.0.0.2'));
    expect(((await untrusted.json()) as { ctx: { clientIp: string } }).ctx.clientIp).toBe(
      '10.0.0.2',
    );
    const trusted = await appWith({ trustProxy: ['10.0.0.0/8'] }).request(
      '/ctx',
      { headers },
      socketEnv('10.0.0.2'),
    );
    expect(((await trusted.json()) as { ctx: { clientIp: string } }).ctx.clientIp).toBe(
      '203.0.113.7',
    );
  });

  it('reads the peer address through a given getConnInfo', async () => {
    const app = appWith({ getConnInfo: () => ({ remote: { address: '198.51.100.9' } }) });
    const res = await app.request('/ctx');
    expect(((await res.json()) as { ctx: { clientIp: string } }).ctx.clientIp).toBe('198.51.100.9');
  });

  it('survives a getConnInfo that throws, reporting it instead', async () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((err) => reports.push(err));
    try {
      const app = appWith({
        getConnInfo: () => {
          throw new Error('no socket under app.request');
        },
      });
      const res = await app.request('/ctx', { headers: { 'X-Request-ID': 'still-ok' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('X-Request-ID')).toBe('still-ok');
      expect(((await res.json()) as { ctx: Record<string, unknown> }).ctx.clientIp).toBeUndefined();
      expect(reports).toEqual([new Error('no socket under app.request')]);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it('shows an update made after await next() to code that runs later in the request', async () => {
    const app = new Hono();
    let seenByOuter: unknown;
    app.use(obsContext());
    app.use(async (_c, next) => {
      await next();
      seenByOuter = getContext()?.workspaceId;
    });
    app.use(async (_c, next) => {
      await next();
      updateContext({ workspaceId: 'set-after-next' });
    });
    app.get('/', (c) => c.text('ok'));
    await app.request('/');
    expect(seenByOuter).toBe('set-after-next');
  });

  it('lets an auth middleware update the context for the rest of the request, outer middleware included', async () => {
    const app = new Hono();
    const afterNext: unknown[] = [];
    app.use(obsContext());
    app.use(async (_c, next) => {
      await next();
      afterNext.push(contextFields());
    });
    app.use(async (c, next) => {
      const key = c.req.header('Authorization');
      if (key === 'Bearer k1') updateContext({ userId: 'u1', workspaceId: 'w1' });
      await next();
    });
    app.get('/me', async (c) => {
      await sleep(1);
      return c.json(contextFields());
    });
    const res = await app.request('/me', {
      headers: { Authorization: 'Bearer k1', 'X-Request-ID': 'r-auth' },
    });
    const expected = { request_id: 'r-auth', user_id: 'u1', workspace_id: 'w1' };
    expect(await res.json()).toEqual(expected);
    expect(afterNext).toEqual([expected]);
  });

  it('keeps 100 interleaved concurrent requests apart', async () => {
    const app = new Hono();
    app.use(obsContext());
    app.use(async (c, next) => {
      updateContext({ userId: `user-of-${c.req.header('X-Request-ID')}` });
      await next();
    });
    app.get('/slow/:n', async (c) => {
      const seen: string[] = [];
      for (let step = 0; step < 3; step++) {
        await sleep((Number(c.req.param('n')) * 7 + step * 3) % 5);
        const ctx = getContext();
        seen.push(`${ctx?.requestId}|${ctx?.userId}`);
      }
      return c.json(seen);
    });
    const responses = await Promise.all(
      Array.from({ length: 100 }, async (_, i) =>
        app.request(`/slow/${i}`, { headers: { 'X-Request-ID': `req-${i}` } }),
      ),
    );
    for (const [i, res] of responses.entries()) {
      expect(res.headers.get('X-Request-ID')).toBe(`req-${i}`);
      expect(await res.json()).toEqual(Array(3).fill(`req-${i}|user-of-req-${i}`));
    }
  });

  it.each(THROWN)(
    'hands %s to onError as an Error, with the request id echoed',
    async (_label, thrown) => {
      const caught: unknown[] = [];
      const app = new Hono();
      app.use(obsContext());
      app.get('/', thrown);
      app.onError((err, c) => {
        caught.push(
          err,
          c.error,
          inErrorContext(c, () => getContext()?.requestId),
        );
        return new Response('failed', { status: 500 });
      });
      const res = await app.request('/', { headers: { 'X-Request-ID': 'non-error-1' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('X-Request-ID')).toBe('non-error-1');
      expect(caught).toHaveLength(3);
      expect(caught[0]).toBeInstanceOf(Error);
      expect(caught[1]).toBe(caught[0]);
      expect(caught[2]).toBe('non-error-1');
    },
  );

  it.each([
    [{ headerName: 'X Bad' }, 'headerName'],
    [{ trustProxy: 'all' }, 'trustProxy'],
    [{ getConnInfo: 'nope' }, 'getConnInfo'],
  ])('rejects %j at creation, naming %s', (options, option) => {
    expect(() => obsContext(options as never)).toThrow(`Invalid option "${option}"`);
  });
});
