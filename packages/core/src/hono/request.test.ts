import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createContextKey } from '@opentelemetry/api';
import { Hono, type Context } from 'hono';
import {
  contextScope,
  getContext,
  ObsConfigError,
  otelContextStore,
  setInternalErrorHandler,
  updateContext,
  type InstrumentedRequest,
  type RequestInstrument,
  type RequestOutcome,
  type RequestStart,
} from '../index';
import { HonoRequest, obsContext, requestMiddleware } from './index';
import { THROWN } from '../../../../scripts/thrown-values.fixture';

const KEY = createContextKey('a value an instrument sets, as a span would be');
const fail = (message: string) => () => {
  throw new Error(message);
};

interface Hooks {
  start?: (request: InstrumentedRequest<Context>, start: RequestStart) => unknown;
  end?: (state: unknown, request: InstrumentedRequest<Context>, outcome: RequestOutcome) => void;
}

/** An instrument that logs its calls; `start` returns `${name}-state` unless a hook says otherwise. */
function instrument(name: string, log: string[], hooks: Hooks = {}): RequestInstrument<Context> {
  return {
    name,
    start(request, start) {
      log.push(`${name}.start`);
      return hooks.start ? hooks.start(request, start) : `${name}-state`;
    },
    end(state, request, outcome) {
      log.push(`${name}.end(${String(state)})`);
      hooks.end?.(state, request, outcome);
    },
  };
}

/** An app under obsContext(options, instruments) whose handlers log, answer 500 on a throw. */
function appWith(instruments: RequestInstrument<Context>[], log: string[] = []) {
  const app = new Hono();
  app.use(obsContext({}, instruments));
  app.get('/items/:id', (c) => {
    log.push('handler');
    return c.json({ id: c.req.param('id'), note: 'héllo' });
  });
  app.get('/text', (c) => c.text('wörld'));
  app.get('/boom', fail('kaboom'));
  app.onError((_err, c) => c.text('Internal Server Error', 500));
  return app;
}

/** An instrument that keeps every outcome its `end` gets, and that list. */
function outcomes(): [RequestInstrument<Context>, RequestOutcome[]] {
  const seen: RequestOutcome[] = [];
  return [instrument('outcome', [], { end: (_s, _r, outcome) => seen.push(outcome) }), seen];
}

describe('obsContext(options, instruments)', () => {
  it('runs the starts in order before the handler and the ends in reverse order, once each', async () => {
    const log: string[] = [];
    const skipped = instrument('skipped', log, { start: () => undefined });
    const app = appWith([instrument('a', log), skipped, instrument('b', log)], log);
    for (let i = 0; i < 2; i++) {
      log.length = 0;
      expect((await app.request('/items/1')).status).toBe(200);
      const ends = 'b.end(b-state) a.end(a-state)';
      expect(log.join(' ')).toBe(`a.start skipped.start b.start handler ${ends}`);
    }
  });

  it("runs the ends inside the request's frame, with its @obs context", async () => {
    const ids: (string | undefined)[] = [];
    const hooks: Hooks = { end: () => ids.push(getContext()?.requestId) };
    const res = await appWith([instrument('a', [], hooks)]).request('/items/1');
    expect(ids).toEqual([res.headers.get('X-Request-ID')]);
  });

  it("hands an OpenTelemetry context an instrument sets in start to the later instruments' start", async () => {
    const seen: unknown[] = [];
    const a = instrument('a', [], {
      start: (_r, s) => ((s.otel = s.otel.setValue(KEY, 'from-a')), 1),
    });
    const b = instrument('b', [], { start: (_r, s) => seen.push(s.otel.getValue(KEY)) });
    await appWith([a, b]).request('/items/1');
    expect(seen).toEqual(['from-a']);
  });

  it('reports the status, route template and duration of an answered request', async () => {
    const [probe, seen] = outcomes();
    const app = appWith([probe]);
    await app.request('/items/42');
    await app.request('/text');
    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatchObject({ status: 200, route: '/items/:id', threw: false });
    expect(seen[0]!.error).toBeUndefined();
    expect(seen[0]!.seconds).toBeGreaterThanOrEqual(0);
    expect(seen[1]).toMatchObject({ status: 200, route: '/text' });
  });

  it('reports no route for a 404 from notFound, and the error an onError answered with 500', async () => {
    const [probe, seen] = outcomes();
    const app = appWith([probe]);
    expect((await app.request('/missing')).status).toBe(404);
    expect((await app.request('/boom')).status).toBe(500);
    expect(seen[0]).toMatchObject({ status: 404, route: undefined, threw: false });
    expect(seen[0]!.error).toBeUndefined();
    expect(seen[1]).toMatchObject({ status: 500, route: '/boom', threw: false });
    expect((seen[1]!.error as Error).message).toBe('kaboom');
  });

  it('reports an error that went past an onError which threw as a 500 that threw', async () => {
    const [probe, seen] = outcomes();
    const app = appWith([probe]);
    app.onError(fail('onError failed'));
    await expect(app.request('/boom')).rejects.toThrow('onError failed');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ status: 500, route: '/boom', threw: true });
    expect((seen[0]!.error as Error).message).toBe('kaboom');
    expect(seen[0]!.responseSize()).toBeUndefined();
  });

  it.each(THROWN)(
    'reports %s as a 500 with an Error whose cause it is, the one onError got',
    async (_label, thrown, value) => {
      const [probe, seen] = outcomes();
      const app = appWith([probe]);
      app.get('/non-error', thrown);
      const handed: unknown[] = [];
      app.onError((err, c) => (handed.push(err, c.error), c.text('failed', 500)));
      const res = await app.request('/non-error', { headers: { 'X-Request-ID': 'ne-1' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('X-Request-ID')).toBe('ne-1');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ status: 500, route: '/non-error' });
      const error = seen[0]!.error as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.cause).toBe(value);
      expect(handed).toEqual([error, error]);
    },
  );

  it('reports a start or an end that throws, naming the instrument, and answers the request', async () => {
    const reports: [unknown, string][] = [];
    setInternalErrorHandler((err, where) => reports.push([err, where]));
    try {
      const log: string[] = [];
      const app = appWith([
        instrument('a', log),
        instrument('bad-start', log, { start: fail('start failed') }),
        instrument('bad-end', log, { end: fail('end failed') }),
        instrument('b', log),
      ]);
      expect((await app.request('/items/1')).status).toBe(200);
      const ends = 'b.end(b-state) bad-end.end(bad-end-state) a.end(a-state)';
      expect(log.join(' ')).toBe(`a.start bad-start.start bad-end.start b.start ${ends}`);
      expect(reports.map(([err, where]) => [(err as Error).message, where])).toEqual([
        ['start failed', expect.stringContaining('bad-start')],
        ['end failed', expect.stringContaining('bad-end')],
      ]);
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it.each([
    ['a list holding {}', [{}]],
    ['a string', 'x'],
    ['a list holding null', [null]],
    ['a list holding an instrument without end', [{ name: 'half', start: () => 1 }]],
  ])('rejects instruments given as %s with an ObsConfigError naming "instruments"', (_l, bad) => {
    const named = expect.objectContaining({ option: 'instruments' });
    expect(() => obsContext({}, bad as never)).toThrow(ObsConfigError);
    expect(() => obsContext({}, bad as never)).toThrow(named);
    expect(() => requestMiddleware(bad as never)).toThrow(ObsConfigError);
    expect(() => requestMiddleware(bad as never)).toThrow(named);
  });
});

describe('with a ContextManager over the shared store enabled', () => {
  beforeAll(() => otelContextStore.managed(true));
  afterAll(() => otelContextStore.managed(false));

  it('keeps the OpenTelemetry context set in start active in the handler, across awaits, and in end', async () => {
    const seen: Record<string, unknown> = {};
    const active = () => otelContextStore.active()?.getValue(KEY);
    const setter = instrument('a', [], {
      start: (_r, s) => ((s.otel = s.otel.setValue(KEY, 'span-1')), 1),
      end: () => (seen.end = [active(), getContext()?.requestId]),
    });
    const app = new Hono();
    app.use(obsContext({}, [setter]));
    app.get('/', async (c) => {
      seen.before = active();
      await new Promise<void>((resolve) => setImmediate(resolve));
      seen.after = [active(), getContext()?.requestId];
      return c.text('ok');
    });
    const id = (await app.request('/')).headers.get('X-Request-ID');
    expect(seen).toEqual({ before: 'span-1', after: ['span-1', id], end: ['span-1', id] });
  });
});

describe('requestMiddleware(instruments)', () => {
  it('runs inside the context obsContext() opened, without opening a new one', async () => {
    const seen: unknown[] = [];
    const app = new Hono();
    app.use(obsContext());
    app.use(async (_c, next) => {
      seen.push(contextScope());
      await next();
    });
    app.use(
      requestMiddleware([
        instrument('a', [], {
          start: (_r, s) => seen.push(s.context?.requestId),
          end: () => seen.push(getContext()?.userId),
        }),
      ]),
    );
    app.get('/', (c) => {
      seen.push(contextScope());
      updateContext({ userId: 'u1' });
      return c.text('ok');
    });
    const id = (await app.request('/')).headers.get('X-Request-ID');
    expect(seen).toEqual([expect.any(Object), id, seen[0], 'u1']);
  });

  it.each(THROWN)(
    'reports %s as a 500 with an Error whose cause it is, the one onError got',
    async (_label, thrown, value) => {
      const [probe, seen] = outcomes();
      const app = new Hono();
      app.use(obsContext());
      app.use(requestMiddleware([probe]));
      app.get('/', thrown);
      const handed: unknown[] = [];
      app.onError((err, c) => (handed.push(err, c.error), c.text('failed', 500)));
      const res = await app.request('/', { headers: { 'X-Request-ID': 'ne-2' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('X-Request-ID')).toBe('ne-2');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ status: 500 });
      expect((seen[0]!.error as Error).cause).toBe(value);
      expect(handed).toEqual([seen[0]!.error, seen[0]!.error]);
    },
  );

  it('gives start no context and still runs end when no obsContext() came first', async () => {
    const log: string[] = [];
    const contexts: unknown[] = [];
    const app = new Hono();
    app.use(
      requestMiddleware([
        instrument('a', log, { start: (_r, s) => (contexts.push(s.context), 1) }),
      ]),
    );
    app.get('/', (c) => c.json({ ctx: getContext() ?? null }));
    expect(await (await app.request('/')).json()).toEqual({ ctx: null });
    expect(contexts).toEqual([undefined]);
    expect(log).toEqual(['a.start', 'a.end(1)']);
  });
});

describe('HonoRequest under @hono/node-server', () => {
  let server: { close(cb: () => void): unknown; address(): unknown };
  let base: string;
  const seen: Record<string, unknown>[] = [];
  const [probe, ended] = outcomes();
  const headerSetter = instrument('h', [], {
    start: (request, start) => {
      seen.push({
        custom: request.header('x-custom'),
        all: request.headers()['x-custom'],
        node: request instanceof HonoRequest && request.nodeResponse,
        clientIp: start.context?.clientIp,
      });
      return 1;
    },
    end: (_s, request, outcome) => request.setResponseHeader('x-after', String(outcome.status)),
  });

  beforeAll(async () => {
    // Imported here: serve() swaps the global Response, which the tests above must not see.
    const { serve } = await import('@hono/node-server');
    const app = appWith([headerSetter, probe]);
    app.get('/own', () => new Response('x', { headers: { 'x-own': '1' } }));
    // Responses that carry an id of their own: an upstream's, passed through, and a c.json one.
    app.get('/upstream', () => new Response('x', { headers: { 'X-Request-ID': 'upstream-id' } }));
    app.get('/json-id', (c) => c.json({}, 200, { 'X-Request-ID': 'handler-id' }));
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    server = listening;
    await new Promise<void>((resolve) => listening.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reads Node's request headers and echoes the inbound request id", async () => {
    const headers = { 'x-custom': 'hello', 'x-request-id': 'req-abc-123' };
    const res = await fetch(`${base}/items/1`, { headers });
    expect(res.status).toBe(200);
    await res.text();
    expect(res.headers.get('x-request-id')).toBe('req-abc-123');
    const ip = '127.0.0.1';
    expect(seen.at(-1)).toEqual({ custom: 'hello', all: 'hello', node: true, clientIp: ip });
  });

  it('measures c.json() and c.text() bodies for responseSize()', async () => {
    const json = await (await fetch(`${base}/items/42`)).text();
    const text = await (await fetch(`${base}/text`)).text();
    const [jsonOutcome, textOutcome] = ended.slice(-2);
    expect(jsonOutcome!.responseSize()).toBe(Buffer.byteLength(json));
    expect(textOutcome!.responseSize()).toBe(Buffer.byteLength(text));
  });

  it.each([
    ['a handler answer', '/items/1', 200],
    ['a 500 answered by onError', '/boom', 500],
    ['a Response the handler built itself', '/own', 200],
  ])('puts a header set in end on the wire for %s', async (_label, path, status) => {
    const res = await fetch(`${base}${path}`, { headers: { 'x-request-id': `id-${status}` } });
    await res.text();
    expect(res.status).toBe(status);
    expect(res.headers.get('x-after')).toBe(String(status));
    expect(res.headers.get('x-request-id')).toBe(`id-${status}`);
    if (path === '/own') expect(res.headers.get('x-own')).toBe('1');
  });

  it.each(['/upstream', '/json-id'])(
    'answers with the request id even when the response (%s) sets one itself',
    async (path) => {
      const res = await fetch(`${base}${path}`, { headers: { 'x-request-id': 'ours-1' } });
      await res.text();
      expect(res.headers.get('x-request-id')).toBe('ours-1');
    },
  );
});
