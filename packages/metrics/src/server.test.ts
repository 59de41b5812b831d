import { afterEach, describe, expect, it } from '@jest/globals';
import { createMetrics, startMetricsServer, type MetricsServer } from './index';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startMetricsServer', () => {
  it('serves /metrics on its own port, and nothing else', async () => {
    const metrics = createMetrics({ collectDefaultMetrics: false, defaultLabels: {} });
    metrics.counter({ name: 'jobs_total', help: 'Jobs' }).inc(3);
    server = await startMetricsServer({ metrics, port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('jobs_total 3');
    const om = await fetch(server.url, { headers: { accept: 'application/openmetrics-text' } });
    expect((await om.text()).endsWith('# EOF\n')).toBe(true);
    expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });

  it('applies the handler’s auth', async () => {
    const metrics = createMetrics({ collectDefaultMetrics: false });
    server = await startMetricsServer({
      metrics,
      port: 0,
      path: '/internal/metrics',
      auth: { bearer: 't' },
    });
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(server.url, { headers: { authorization: 'Bearer t' } })).status).toBe(200);
  });

  it('rejects a bad port or path', async () => {
    const metrics = createMetrics({ collectDefaultMetrics: false });
    await expect(startMetricsServer({ metrics, port: 70000 })).rejects.toMatchObject({
      option: 'port',
    });
    await expect(startMetricsServer({ metrics, path: 'metrics' })).rejects.toMatchObject({
      option: 'path',
    });
  });
});
