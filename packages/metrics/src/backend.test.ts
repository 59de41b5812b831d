import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from '@jest/globals';
import { setInternalErrorHandler } from '@obs/core';
import { createMetrics } from './index';

let socket: Socket | undefined;
afterEach(() => {
  socket?.close();
  socket = undefined;
});

async function udpReceiver(): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const udp = createSocket('udp4');
  socket = udp;
  udp.on('message', (msg) => lines.push(...msg.toString().split('\n').filter(Boolean)));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  return { port: udp.address().port, lines };
}

/** Until `n` lines arrived; the 30 s limit only guards against a hang (the assertions then say what came). */
async function waitFor(lines: string[], n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (lines.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('backends (seed 003)', () => {
  it('push the same calls to StatsD over UDP, labels as DogStatsD tags', async () => {
    const { port, lines } = await udpReceiver();
    const metrics = createMetrics({
      collectDefaultMetrics: false,
      backend: { type: 'statsd', port, prefix: 'analytics.', tags: { env: 'test' } },
    });
    metrics.incrementCounter('jobs_total', { job_type: 'rollup' }, 2);
    metrics.setGauge('queue_size', 7);
    metrics.observe('job_seconds', 0.25, { job_type: 'rollup' });
    metrics
      .counter({ name: 'typed_total', help: 't', labelNames: ['k'] })
      .labels('v')
      .inc();
    await metrics.shutdown();
    await waitFor(lines, 4);
    expect(lines.sort()).toEqual(
      [
        'analytics.jobs_total:2|c|#env:test,job_type:rollup',
        'analytics.queue_size:7|g|#env:test',
        'analytics.job_seconds:0.25|h|#env:test,job_type:rollup',
        'analytics.typed_total:1|c|#env:test,k:v',
      ].sort(),
    );
  });

  it('never throws when nothing listens on the StatsD port', async () => {
    const reports: unknown[] = [];
    setInternalErrorHandler((e) => reports.push(e));
    try {
      const metrics = createMetrics({
        collectDefaultMetrics: false,
        backend: { type: 'statsd', port: 9 },
      });
      expect(() => {
        for (let i = 0; i < 100; i++) metrics.incrementCounter('x_total');
      }).not.toThrow();
      await metrics.shutdown();
    } finally {
      setInternalErrorHandler(undefined);
    }
  });

  it('print to the console in development', async () => {
    const lines: string[] = [];
    const metrics = createMetrics({
      collectDefaultMetrics: false,
      backend: { type: 'console', write: (l) => lines.push(l) },
    });
    metrics.incrementCounter('logins_total', { method: 'password' });
    metrics.setGauge('temperature', 21.5);
    metrics.observe('step_seconds', 0.1);
    await metrics.shutdown();
    expect(lines).toEqual([
      '[metrics] logins_total{method="password"} +1\n',
      '[metrics] temperature =21.5\n',
      '[metrics] step_seconds ~0.1\n',
    ]);
    expect(await metrics.metricsText()).toBe(''); // shut down: nothing registered any more
  });

  it('rejects an unknown backend', () => {
    expect(() => createMetrics({ backend: { type: 'carrier-pigeon' } as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
