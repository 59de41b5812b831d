import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { constantTimeEqual, ObsConfigError } from '@obs/core';
import type { AlertEngine, AlertState } from '../engine';
import { parseDuration } from '../query';

export interface AlertRoutesOptions {
  /**
   * Bearer token for everything but reading active alerts: the actions and the webhook (configure
   * Alertmanager's `http_config.authorization` with it). Off only with `token: false`.
   */
  token: string | false;
  /** Also require the token to list alerts. @default false */
  protectReads?: boolean;
}

const problem = (status: 401 | 404 | 422, detail: string, field?: string) =>
  new Response(
    JSON.stringify({
      type: 'about:blank',
      title: { 401: 'Unauthorized', 404: 'Not Found', 422: 'Unprocessable Content' }[status],
      status,
      detail,
      ...(field ? { errors: [{ path: field, message: detail }] } : {}),
    }),
    { status, headers: { 'content-type': 'application/problem+json' } },
  );

const states = ['pending', 'firing', 'acknowledged', 'silenced', 'resolved'] as const;
const webhook = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: z.record(z.string(), z.string()),
        annotations: z.record(z.string(), z.string()).optional(),
        startsAt: z.string().optional(),
        endsAt: z.string().optional(),
      }),
    )
    .max(1000),
});

async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The alert routes, as a Hono sub-app: `GET /alerts` (active; `?state=&severity=`),
 * `GET /alerts/history`, `POST /alerts/:id/ack | silence | resolve`, and `POST /alerts/webhook`
 * receiving Alertmanager webhooks into the same store. Actions and the webhook need the token.
 *
 * @example
 * ```ts
 * app.route('/', alertRoutes(engine, { token: process.env.ADMIN_TOKEN! }));
 * ```
 */
export function alertRoutes(engine: AlertEngine, options: AlertRoutesOptions): Hono {
  const { token, protectReads = false } = options;
  if (token !== false && (typeof token !== 'string' || token.length < 16))
    throw new ObsConfigError('token', 'expected a string of at least 16 characters, or false');
  const allowed = (header: string | undefined) =>
    token === false || constantTimeEqual(header ?? '', `Bearer ${token}`);

  const app = new Hono();
  app.use('/alerts/*', async (c, next) => {
    const read = c.req.method === 'GET';
    if ((!read || protectReads) && !allowed(c.req.header('authorization')))
      return problem(401, 'a valid bearer token is required');
    await next();
  });
  app.get('/alerts', (c) => {
    const state = c.req.query('state');
    const severity = c.req.query('severity');
    if (state !== undefined && !states.includes(state as AlertState))
      return problem(422, `state must be one of ${states.join(', ')}`, 'state');
    if (severity !== undefined && !['critical', 'warning', 'info'].includes(severity))
      return problem(422, 'severity must be critical, warning or info', 'severity');
    return c.json({
      alerts: engine.alerts({
        ...(state ? { state: state as AlertState } : {}),
        ...(severity ? { severity: severity as 'critical' | 'warning' | 'info' } : {}),
      }),
    });
  });
  app.get('/alerts/history', async (c) => {
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return problem(422, 'limit must be an integer from 1 to 1000', 'limit');
    return c.json({ alerts: await engine.history(limit) });
  });
  app.post('/alerts/webhook', async (c) => {
    const parsed = webhook.safeParse(await jsonBody(c));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return problem(422, issue.message, issue.path.join('.') || 'body');
    }
    engine.ingest(parsed.data.alerts);
    return c.json({ received: parsed.data.alerts.length });
  });
  app.post('/alerts/:id/ack', async (c) => {
    const body = (await jsonBody(c)) as { by?: unknown } | undefined;
    const by = typeof body?.by === 'string' ? body.by.slice(0, 200) : undefined;
    const alert = engine.acknowledge(c.req.param('id'), by);
    return alert
      ? c.json(alert)
      : problem(404, 'no active alert with this id (or it is still pending)');
  });
  app.post('/alerts/:id/silence', async (c) => {
    const body = (await jsonBody(c)) as { duration?: unknown } | undefined;
    let ms: number;
    try {
      ms = parseDuration(typeof body?.duration === 'string' ? body.duration : '', 'duration');
    } catch {
      return problem(422, 'duration must be like 30m, 2h or 1d', 'duration');
    }
    if (ms === 0) return problem(422, 'duration must be longer than 0', 'duration');
    const alert = engine.silence(c.req.param('id'), ms);
    return alert ? c.json(alert) : problem(404, 'no active alert with this id');
  });
  app.post('/alerts/:id/resolve', async (c) => {
    const body = (await jsonBody(c)) as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message.slice(0, 2000) : undefined;
    const alert = engine.resolveAlert(c.req.param('id'), message);
    return alert ? c.json(alert) : problem(404, 'no active alert with this id');
  });
  return app;
}
