// A complete observed service: request ids, spans, request logs, RED metrics on /metrics, /health,
// /ready, /live and problem+json errors, all from one call made before the routes.
import { Hono } from 'hono';
import { observe } from '@obs/kit/hono';

export const app = new Hono();
export const obs = observe(app, { service: 'minimal' });

app.get('/hello/:name', (c) => {
  c.var.logger.info('greeting', { name: c.req.param('name') }); // with request_id and trace_id
  return c.json({ message: `hello, ${c.req.param('name')}` });
});
