import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { isObsError } from '@obs/core';
import { hasPromtool, promtoolProblems } from './exposition.fixture';
import { createMetrics, pushMetrics } from './index';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

interface Pushed {
  method: string;
  path: string;
  body: string;
}

/** Answers as a Pushgateway does: 200 for a well-formed push under /metrics/job/…, 400 otherwise. */
async function gateway(status = 200): Promise<{ url: string; pushes: Pushed[] }> {
  const pushes: Pushed[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      pushes.push({ method: req.method ?? '', path: req.url ?? '', body });
      const ok =
        /^\/metrics\/job\/[^/]+(\/[^/]+\/[^/]+)*$/.test(req.url ?? '') &&
        ['POST', 'PUT'].includes(req.method ?? '');
      res.writeHead(ok ? status : 400).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pushes };
}

describe('pushMetrics', () => {
  it('POSTs the registry to /metrics/job/<job>/<label>/<value> in the text format', async () => {
    const { url, pushes } = await gateway();
    const metrics = createMetrics({ collectDefaultMetrics: false, service: { name: 'rollup' } });
    metrics.counter({ name: 'rows_total', help: 'Rows rolled up' }).inc(42);
    await pushMetrics(metrics, { url, job: 'nightly', groupings: { shard: '3' } });
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ method: 'POST', path: '/metrics/job/nightly/shard/3' });
    expect(pushes[0]!.body).toMatch(/^rows_total\{service="rollup",environment="[^"]+"\} 42$/m);
    if (hasPromtool) expect(promtoolProblems(pushes[0]!.body)).toBe('');
    await pushMetrics(metrics, { url, job: 'nightly', replace: true });
    expect(pushes[1]).toMatchObject({ method: 'PUT', path: '/metrics/job/nightly' });
  });

  it('rejects with EXPORT_FAILED when the gateway refuses or is down', async () => {
    const metrics = createMetrics({ collectDefaultMetrics: false });
    const { url } = await gateway(500);
    for (const target of [url, 'http://127.0.0.1:9']) {
      const err = await pushMetrics(metrics, { url: target, job: 'j' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isObsError(err, 'EXPORT_FAILED')).toBe(true);
    }
  });

  it('names a bad url or job', async () => {
    const metrics = createMetrics({ collectDefaultMetrics: false });
    await expect(pushMetrics(metrics, { url: 'nope', job: 'j' })).rejects.toMatchObject({
      option: 'url',
    });
    await expect(pushMetrics(metrics, { url: 'http://x', job: '' })).rejects.toMatchObject({
      option: 'job',
    });
  });
});
