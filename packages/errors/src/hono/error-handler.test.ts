import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { getContext, updateContext } from '@obs/core';
import { obsContext } from '@obs/core/hono';
import { unauthorized } from '../http-error';
import { initErrors, type CaptureContext, type ErrorTracker } from '../init';
import {
  startSentryIngest,
  startSilentIngest,
  type ReceivedEvent,
  type SentryIngest,
} from '../sentry-ingest.fixture';
import { errorHandler, notFoundHandler } from './error-handler';
import { THROWN } from '../../../../scripts/thrown-values.fixture';

// Our OpenTelemetry provider owns the global API, as @obs/tracing's would: Sentry sets up none.
// SDK 3's provider has no register(): the tracer provider and async context are set by hand.
const provider = new TracerProvider();
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// One Sentry client for the file (Sentry keeps it process-wide): each test sends its own request
// ids and finds its own events by them, never by their place among everything received.
let ingest: SentryIngest;
let errors: ErrorTracker;
const counted: { type: string; status: string }[] = [];
const logged: number[] = [];

function app(tracker: ErrorTracker, exposeServerErrors = false) {
  const a = new Hono();
  a.use(obsContext());
  a.use(async (c, next) => {
    const user = c.req.header('x-user');
    if (user) updateContext({ userId: user, workspaceId: `ws-${user}` });
    const span = trace.getTracer('test').startSpan(`${c.req.method} ${c.req.path}`);
    await context.with(trace.setSpan(context.active(), span), next);
    span.end();
  });
  a.onError(
    errorHandler({
      errors: tracker,
      exposeServerErrors,
      log: ({ error }) => logged.push(error.status),
      count: (labels) => counted.push(labels),
    }),
  );
  a.notFound(notFoundHandler());
  a.post('/login', async (c) => {
    await c.req.json();
    throw new Error('connection to postgres://app:pw@db/prod refused');
  });
  a.get('/slow-fail', async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new TypeError('analytics cache corrupted');
  });
  a.get('/fail', () => {
    throw new TypeError('analytics cache corrupted');
  });
  a.get('/trace', () => {
    throw new Error(`trace ${trace.getActiveSpan()!.spanContext().traceId}`);
  });
  a.post('/events', async (c) => {
    const body = z
      .object({ events: z.array(z.object({ credits: z.number() })) })
      .parse(await c.req.json());
    return c.json(body);
  });
  a.get('/private', () => {
    throw unauthorized('a valid API key is required');
  });
  a.post('/upload', bodyLimit({ maxSize: 10 }), (c) => c.text('ok'));
  return a;
}

beforeAll(async () => {
  ingest = await startSentryIngest();
  errors = initErrors({
    dsn: ingest.dsn,
    service: { name: 'analytics', environment: 'production' },
  });
});
afterAll(async () => {
  await errors.close(30_000);
  await ingest.close();
  await provider.shutdown();
});
beforeEach(() => {
  counted.length = 0;
  logged.length = 0;
});

/** Sends everything queued (the limit only guards against a hang). */
async function flushed(): Promise<void> {
  expect(await errors.flush(30_000)).toBe(true);
}

/** The event of the request that sent this `x-request-id`. */
async function reported(requestId: string): Promise<ReceivedEvent> {
  await flushed();
  return ingest.event((e) => e.tags.request_id === requestId);
}

describe('errorHandler with Sentry', () => {
  it('reports a thrown 500 with the request id, user, workspace and our trace id, all redacted', async () => {
    const res = await app(errors).request('/login?token=abc123&page=2', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer s3cr3t-token',
        'x-user': 'u-42',
        'x-request-id': 'req-login-1',
        'x-forwarded-for': '203.0.113.9',
        'x-session-id': 'sess-123',
      },
      body: JSON.stringify({ email: 'a@b.c', password: 'hunter2' }),
    });
    expect(res.status).toBe(500);
    const event = await reported('req-login-1');
    expect(event.tags).toMatchObject({ request_id: 'req-login-1', workspace_id: 'ws-u-42' });
    expect(event.user).toMatchObject({ id: 'u-42' });
    expect(event.contexts.trace.trace_id).toBe(event.tags.trace_id);
    expect(event.exception.values[0]!.value).toBe(
      'connection to postgres://app:REDACTED@db/prod refused',
    );
    // The stack's context lines show this test's own source; the request data is what must be clean.
    const raw = JSON.stringify([
      event.request,
      event.extra,
      event.breadcrumbs,
      event.exception.values[0]!.value,
    ]);
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('s3cr3t-token');
    expect(raw).not.toContain('abc123');
    expect(event.request.headers.authorization).toBe('[REDACTED]');
    expect(event.request.headers['x-session-id']).toBe('[REDACTED]');
    expect(event.request.headers['x-forwarded-for']).toBeUndefined(); // a client address: PII
    expect(event.request.url).toContain('token=REDACTED&page=2');
    expect(JSON.parse(event.request.data!)).toEqual({
      email: 'a@b.c',
      password: '[REDACTED]',
    });
    expect(event.environment).toBe('production');
    expect(event.release).toBe('analytics@unknown');
  });

  it('links the event to the active OpenTelemetry trace', async () => {
    const res = await app(errors).request('/trace', { headers: { 'x-request-id': 'req-trace' } });
    expect(res.status).toBe(500);
    const event = await reported('req-trace');
    const traceId = /trace ([0-9a-f]{32})/.exec(event.exception.values[0]!.value)![1];
    expect(event.contexts.trace.trace_id).toBe(traceId);
  });

  it('never reports 404, 422 or 401', async () => {
    const a = app(errors);
    const ids = ['req-none-404', 'req-none-422', 'req-none-401'];
    expect((await a.request('/nowhere', { headers: { 'x-request-id': ids[0]! } })).status).toBe(
      404,
    );
    expect(
      (
        await a.request('/events', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': ids[1]! },
          body: JSON.stringify({ events: [{ credits: 'ten' }] }),
        })
      ).status,
    ).toBe(422);
    expect((await a.request('/private', { headers: { 'x-request-id': ids[2]! } })).status).toBe(
      401,
    );
    // After a complete flush every event Sentry kept has arrived: no wait for stragglers.
    await flushed();
    expect(ingest.events.filter((e) => ids.includes(String(e.tags.request_id)))).toEqual([]);
    expect(logged).toEqual([422, 401]);
    expect(counted).toEqual([
      { type: 'VALIDATION_FAILED', status: '422' },
      { type: 'UNAUTHORIZED', status: '401' },
    ]);
  });

  it('keeps concurrent requests apart: each event carries only its own user', async () => {
    const a = app(errors);
    await Promise.all(
      ['u-1', 'u-2', 'u-3', 'u-4'].map(async (user) =>
        a.request('/slow-fail', { headers: { 'x-user': user, 'x-request-id': `req-${user}` } }),
      ),
    );
    const events = await Promise.all(['u-1', 'u-2', 'u-3', 'u-4'].map((u) => reported(`req-${u}`)));
    const pairs = events.map((e) => [e.user?.id, e.tags.request_id, e.tags.workspace_id]);
    expect(pairs).toEqual([
      ['u-1', 'req-u-1', 'ws-u-1'],
      ['u-2', 'req-u-2', 'ws-u-2'],
      ['u-3', 'req-u-3', 'ws-u-3'],
      ['u-4', 'req-u-4', 'ws-u-4'],
    ]);
  });

  it('answers every request while Sentry’s endpoint never responds, and throws nothing', async () => {
    // The endpoint reads each envelope and never answers, and the clock stands still while the
    // requests run: a handler that waited for delivery, or for any deadline, would never answer.
    const silent = await startSilentIngest();
    await errors.close(30_000); // Sentry has one client: this test's replaces the file's for now
    const offline = initErrors({
      dsn: silent.dsn,
      service: { name: 'analytics', environment: 'production' },
    });
    try {
      const a = app(offline);
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      expect((await a.request('/fail')).status).toBe(500);
      await silent.requestStarted; // the first event is on the wire, and will stay there
      for (let i = 0; i < 20; i++) expect((await a.request('/fail')).status).toBe(500);
      expect(counted).toHaveLength(21);
      // All 21 answered while Sentry still waits on the endpoint, which has answered nothing.
      expect(silent.requests()).toBeGreaterThanOrEqual(1);
      expect(silent.waiting()).toBeGreaterThanOrEqual(1);
      jest.useRealTimers();
      // A flush cannot complete: it gives up at its deadline and says so.
      expect(await offline.flush(100)).toBe(false);
    } finally {
      jest.useRealTimers();
      await offline.close(100);
      await silent.close();
      errors = initErrors({
        dsn: ingest.dsn,
        service: { name: 'analytics', environment: 'production' },
      });
    }
  });
});

describe('errors with our OpenTelemetry provider', () => {
  it('leaves the provider ours: Sentry registers none, so there is one set of spans', () => {
    const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
    expect(global.getDelegate?.()).toBe(provider);
  });
});

describe('problem+json responses', () => {
  const problem = async (res: Response) => {
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    return (await res.json()) as Record<string, unknown>;
  };

  it('400 for a body that is not JSON', async () => {
    const res = await app(errors).request('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-400' },
      body: '{"events": [',
    });
    expect(res.status).toBe(400);
    expect(await problem(res)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'MALFORMED_JSON',
      detail: 'The body is not valid JSON.',
      instance: '/events',
      request_id: 'req-400',
    });
  });

  it('404 for an unknown route', async () => {
    const res = await app(errors).request('/nowhere', { headers: { 'x-request-id': 'req-404' } });
    expect(await problem(res)).toMatchObject({
      status: 404,
      title: 'Not Found',
      request_id: 'req-404',
      instance: '/nowhere',
    });
  });

  it('413 for a body over the limit', async () => {
    const res = await app(errors).request('/upload', { method: 'POST', body: 'x'.repeat(100) });
    expect(res.status).toBe(413);
    expect(await problem(res)).toMatchObject({ status: 413, code: 'CONTENT_TOO_LARGE' });
  });

  it('422 with the field path of every zod issue', async () => {
    const res = await app(errors).request('/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ credits: 1 }, { credits: 'ten' }] }),
    });
    expect(res.status).toBe(422);
    expect(await problem(res)).toMatchObject({
      status: 422,
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'events.1.credits', message: expect.stringContaining('number') }],
    });
  });

  it('500 in production: no internal message or stack, the request id present', async () => {
    const res = await app(errors).request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-500' },
      body: '{}',
    });
    const body = await problem(res);
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL_SERVER_ERROR',
      instance: '/login',
      request_id: 'req-500',
    });
    expect(JSON.stringify(body)).not.toMatch(/postgres|refused|at /);
  });

  it('500 in development shows the message, to the developer', async () => {
    const res = await app(errors, true).request('/slow-fail');
    expect(await problem(res)).toMatchObject({ status: 500, detail: 'analytics cache corrupted' });
  });
});

describe('errorHandler for a thrown value that is not an Error', () => {
  /** A tracker that keeps what it is given. */
  function fakeTracker() {
    const captured: [unknown, CaptureContext | undefined, string | undefined][] = [];
    const tracker: ErrorTracker = {
      enabled: true,
      sendsPii: false,
      service: errors.service,
      breadcrumbs: errors.breadcrumbs,
      captureError: (error, context) => (
        captured.push([error, context, getContext()?.requestId]),
        'event-id'
      ),
      flush: () => Promise.resolve(true),
      close: () => Promise.resolve(true),
    };
    return { tracker, captured };
  }

  function appThrowing(
    tracker: ErrorTracker,
    handler: () => never | Promise<never>,
    exposeServerErrors = false,
  ) {
    const logs: { status: number; original: unknown }[] = [];
    const a = new Hono();
    a.use(obsContext());
    a.onError(
      errorHandler({
        errors: tracker,
        exposeServerErrors,
        log: ({ error, original }) => logs.push({ status: error.status, original }),
        count: (labels) => counted.push(labels),
      }),
    );
    a.get('/', handler);
    return { a, logs };
  }

  it.each(THROWN)(
    'answers %s as problem+json 500 with the request id, logged, counted and reported once',
    async (_label, handler, value) => {
      const { tracker, captured } = fakeTracker();
      const { a, logs } = appThrowing(tracker, handler);
      const res = await a.request('/', { headers: { 'x-request-id': 'req-non-error' } });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-request-id')).toBe('req-non-error');
      expect(await res.json()).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
        code: 'INTERNAL_SERVER_ERROR',
        instance: '/',
        request_id: 'req-non-error',
      });
      expect(logs).toHaveLength(1);
      expect(logs[0]!.status).toBe(500);
      expect(counted).toEqual([{ type: 'NonError', status: '500' }]);
      expect(captured).toHaveLength(1);
      const [reportedError, context, requestId] = captured[0]!;
      // Reported in the request's context, as a thrown Error is: the event carries its request id.
      expect(requestId).toBe('req-non-error');
      expect(reportedError).toBeInstanceOf(Error);
      expect((reportedError as Error).cause).toBe(value);
      expect(logs[0]!.original).toBe(reportedError);
      expect(context).toMatchObject({ status: 500 });
    },
  );

  it("never shows a thrown object's contents, even to the developer", async () => {
    const { tracker } = fakeTracker();
    const res = await appThrowing(tracker, THROWN[1]![1], true).a.request('/');
    const body = JSON.parse(await res.text()) as Record<string, unknown>;
    // Without the request id: a random UUID holds "42" one time in ten.
    const { request_id: requestId, ...rest } = body;
    expect(requestId).toEqual(expect.any(String));
    expect(JSON.stringify(rest)).not.toMatch(/hunter2|42|password/);
    expect(body).toMatchObject({ status: 500, detail: 'Non-Error thrown: an object' });
  });

  it.each(THROWN)('copes with %s handed to it directly', async (_label, _handler, value) => {
    const { tracker, captured } = fakeTracker();
    const handle = errorHandler({ errors: tracker });
    const a = new Hono();
    a.get('/', (c) => handle(value as Error, c));
    const res = await a.request('/');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(captured).toHaveLength(1);
    expect(captured[0]![0]).toBeInstanceOf(Error);
    expect((captured[0]![0] as Error).cause).toBe(value);
  });
});
