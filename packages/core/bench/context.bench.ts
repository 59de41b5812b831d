// Cost of the shared context per request.
// Anchors: a bare AsyncLocalStorage.run (the floor for any context), bare Hono, and Hono's own
// requestId middleware (what users would otherwise install).
import { AsyncLocalStorage } from 'node:async_hooks';
import { Hono, type MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import { bench, do_not_optimize, run, summary } from 'mitata';
import { contextFields, getContext, runWithContext } from '../src/index';
import { obsContext } from '../src/hono/index';

const als = new AsyncLocalStorage<{ requestId: string }>();

summary(() => {
  bench('AsyncLocalStorage.run + getStore', () =>
    do_not_optimize(als.run({ requestId: 'r1' }, () => als.getStore())),
  ).baseline(true);
  bench('runWithContext + getContext', () =>
    do_not_optimize(runWithContext({ requestId: 'r1' }, () => getContext())),
  );
  bench('runWithContext + contextFields', () =>
    do_not_optimize(runWithContext({ requestId: 'r1', userId: 'u1' }, () => contextFields())),
  );
});

function app(middleware?: MiddlewareHandler): Hono {
  const a = new Hono();
  if (middleware) a.use(middleware);
  a.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  return a;
}

const bare = app();
const withHonoRequestId = app(requestId());
const withObsContext = app(obsContext());
const headers = { 'X-Request-ID': 'edge-123', 'User-Agent': 'bench/1.0' };

summary(() => {
  bench('bare Hono', async () =>
    do_not_optimize(await bare.request('/api/v1/workspaces/w1', { headers })),
  ).baseline(true);
  bench('Hono + hono/request-id', async () =>
    do_not_optimize(await withHonoRequestId.request('/api/v1/workspaces/w1', { headers })),
  );
  bench('Hono + @obs/core obsContext()', async () =>
    do_not_optimize(await withObsContext.request('/api/v1/workspaces/w1', { headers })),
  );
});

await run({ colors: false });
