// The apps the middleware benchmark compares, shared by the in-process loop and the wrk servers.
import { prometheus } from '@hono/prometheus';
import { Hono, type MiddlewareHandler } from 'hono';
import { Registry } from 'prom-client';
import { createMetrics } from '../src/index';
import { httpMetrics } from '../src/hono/index';

export const CONTENDERS = ['empty', 'theirs', 'ours'] as const;
export type Contender = (typeof CONTENDERS)[number];

const empty: MiddlewareHandler = async (_c, next) => {
  await next();
};

function middleware(contender: Contender): MiddlewareHandler {
  if (contender === 'theirs') return prometheus({ registry: new Registry() }).registerMetrics;
  if (contender === 'ours')
    return httpMetrics({ metrics: createMetrics({ collectDefaultMetrics: false }) }); // in-flight and sizes on
  return empty;
}

/**
 * A JSON route, with `contender` as its only middleware (`first`: true) or after one that is
 * already there (`first`: false), as in any app that also sets the request context.
 */
export function benchApp(contender: Contender | 'bare', first: boolean): Hono {
  const app = new Hono();
  if (!first) app.use(empty);
  if (contender !== 'bare') app.use(middleware(contender));
  app.get('/api/v1/workspaces/:id', (c) => c.json({ id: c.req.param('id') }));
  return app;
}
