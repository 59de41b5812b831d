import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { createHealth } from '../health';
import { healthRoutes } from './routes';

function setup(options?: Parameters<typeof healthRoutes>[1]) {
  let databaseUp = true;
  const health = createHealth({ service: { name: 'analytics' } });
  health.register('database', () => databaseUp);
  health.register('cache', () => ({ status: 'degraded', details: { hit_rate: 0.1 } }), {
    critical: false,
  });
  const app = new Hono();
  app.route('/', healthRoutes(health, options));
  return { app, health, down: () => (databaseUp = false) };
}

describe('healthRoutes', () => {
  it('/health is 200 while healthy or degraded, 503 when a critical check fails', async () => {
    const { app, down } = setup();
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      checks: { database: { status: 'healthy' } },
    });
    down();
    expect((await app.request('/health')).status).toBe(503);
  });

  it('/live stays 200 while a dependency is down, and /ready turns 503', async () => {
    const { app, down } = setup();
    expect((await app.request('/ready')).status).toBe(200);
    down();
    expect((await app.request('/live')).status).toBe(200);
    const ready = await app.request('/ready');
    expect(ready.status).toBe(503);
    expect(Object.keys(((await ready.json()) as { checks: object }).checks)).toEqual(['database']);
  });

  it('/ready is 503 while the service is not ready (starting, draining)', async () => {
    const { app, health } = setup();
    health.ready = false;
    expect((await app.request('/ready')).status).toBe(503);
    expect((await app.request('/live')).status).toBe(200);
  });

  it('/health/:name runs one check; unknown names are 404', async () => {
    const { app } = setup();
    expect(await (await app.request('/health/cache')).json()).toMatchObject({
      name: 'cache',
      status: 'degraded',
    });
    expect((await app.request('/health/nope')).status).toBe(404);
  });

  it('with a token, shows only the status to anyone without it', async () => {
    const { app } = setup({ token: 'a-long-enough-admin-token' });
    expect(await (await app.request('/health')).json()).toEqual({ status: 'degraded' });
    const full = await app.request('/health', {
      headers: { authorization: 'Bearer a-long-enough-admin-token' },
    });
    expect(await full.json()).toHaveProperty('checks.cache.details.hit_rate', 0.1);
    expect(await (await app.request('/health/cache')).json()).toEqual({
      name: 'cache',
      status: 'degraded',
    });
  });

  it('takes other paths, and rejects bad options by name', async () => {
    const { app } = setup({ paths: { health: '/healthz', live: '/livez' } });
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/livez')).status).toBe(200);
    expect(() => healthRoutes(createHealth(), { paths: { ready: 'ready' } })).toThrow(
      expect.objectContaining({ option: 'paths.ready' }),
    );
    expect(() => healthRoutes(createHealth(), { token: 'short' })).toThrow(
      expect.objectContaining({ option: 'token' }),
    );
  });

  it('lets 200 concurrent probes cost one check execution with cacheMs', async () => {
    let runs = 0;
    const health = createHealth();
    health.register(
      'database',
      async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        return true;
      },
      { cacheMs: 60_000 },
    );
    const app = new Hono().route('/', healthRoutes(health));
    const answers = await Promise.all(
      Array.from({ length: 200 }, async () => app.request('/health')),
    );
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect(runs).toBe(1);
  });
});
