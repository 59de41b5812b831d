import { Hono } from 'hono';
import { constantTimeEqual, ObsConfigError } from '@obs/core';
import type { Health, HealthReport } from '../health';

export interface HealthRoutesOptions {
  /** @default { health: '/health', ready: '/ready', live: '/live' } */
  paths?: { health?: string; ready?: string; live?: string };
  /**
   * The detailed report (checks, details, errors) only with `Authorization: Bearer <token>`;
   * without it, callers see `{ status }` alone. @default none: the report is public
   */
  token?: string;
}

const noStore = { 'cache-control': 'no-store' };
const code = (report: Pick<HealthReport, 'status'>) => (report.status === 'unhealthy' ? 503 : 200);

/**
 * The probe routes, as a Hono sub-app to mount with `app.route('/', healthRoutes(health))`:
 * - `/health`: every check (200 healthy or degraded, 503 unhealthy);
 * - `/health/:name`: one check;
 * - `/ready`: critical checks only; 503 while the service is not ready (starting, draining);
 * - `/live`: no dependency checks, 200 while the event loop answers.
 */
export function healthRoutes(health: Health, options: HealthRoutesOptions = {}): Hono {
  const paths = { health: '/health', ready: '/ready', live: '/live', ...options.paths };
  for (const [name, path] of Object.entries(paths))
    if (typeof path !== 'string' || !path.startsWith('/'))
      throw new ObsConfigError(`paths.${name}`, 'expected a path starting with /');
  const { token } = options;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16))
    throw new ObsConfigError('token', 'expected a string of at least 16 characters');
  const authorized = (header: string | undefined) =>
    token === undefined || constantTimeEqual(header ?? '', `Bearer ${token}`);

  const app = new Hono();
  app.get(paths.live, (c) => c.json({ status: 'alive' }, 200, noStore));
  app.get(paths.ready, async (c) => {
    if (!health.ready) return c.json({ status: 'unhealthy', reason: 'not ready' }, 503, noStore);
    const report = await health.report((_name, o) => o.critical);
    return c.json(
      authorized(c.req.header('authorization')) ? report : { status: report.status },
      code(report),
      noStore,
    );
  });
  app.get(paths.health, async (c) => {
    const report = await health.report();
    return c.json(
      authorized(c.req.header('authorization')) ? report : { status: report.status },
      code(report),
      noStore,
    );
  });
  app.get(`${paths.health}/:name`, async (c) => {
    const name = c.req.param('name');
    if (!health.names.includes(name))
      return c.json({ status: 404, title: 'Not Found', detail: `no check named ${name}` }, 404);
    const result = await health.run(name);
    return c.json(
      authorized(c.req.header('authorization'))
        ? { name, ...result }
        : { name, status: result.status },
      result.status === 'unhealthy' ? 503 : 200,
      noStore,
    );
  });
  return app;
}
