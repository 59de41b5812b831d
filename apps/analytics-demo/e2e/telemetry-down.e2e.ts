// Issue 10, part 5 (the telemetry endpoints): OTLP, Loki and Sentry receivers that answer 500
// must not slow requests or fail them. One demo exports to a local sink that is healthy or
// failing in turns (interleaved, so both see the same machine); the p99 of each mode, pooled over
// its rounds, is compared, and the losses must show in /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTarget, drive, percentile, type Request, type Target } from '../scripts/traffic';
import { ADMIN_TOKEN, record, startDemo, type Demo } from './harness';

let sink: Server;
let failing = false;
const received = { ok: 0, refused: 0 };
let demo: Demo;
let target: Target;

beforeAll(async () => {
  // Answers every OTLP, Loki and Sentry request: 200 while healthy, 500 while failing.
  sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (failing) received.refused++;
      else received.ok++;
      res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const { port } = sink.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  demo = await startDemo({
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '1',
    LOKI_URL: base,
    SENTRY_DSN: `http://publickey@127.0.0.1:${port}/1`,
  });
  target = await createTarget(demo.url, ADMIN_TOKEN, 'telemetry');
});
afterAll(async () => {
  await demo.stop();
  demo.cleanup();
  sink.closeAllConnections();
  await new Promise<void>((resolve) => sink.close(() => resolve()));
});

function metric(text: string, name: string, label: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('telemetry endpoints answering 500', () => {
  it('keep p99 within 20% of the healthy run, fail no request, and show their losses in /metrics', async () => {
    const paths = ['credits', 'analytics?group_by=type', 'active-users?window=1h', 'agents'];
    let n = 0;
    const next = (): Request => ({
      method: 'GET',
      path: `/api/v1/workspaces/telemetry/${paths[n++ % paths.length]!}`,
    });
    // One Sentry event a second, from a failing request outside the measured traffic.
    const faults = setInterval(() => {
      void fetch(`${demo.url}/api/v1/workspaces/telemetry/credits`, {
        headers: { authorization: `Bearer ${target.key}`, 'x-fault': 'error' },
      }).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      );
    }, 1000);
    const latencies = { healthy: [] as number[], failing: [] as number[] };
    const statuses = new Map<number, number>();
    let failures = 0;
    await drive(target, next, { seconds: 2, concurrency: 8 }); // warm-up
    for (const mode of ['healthy', 'failing', 'healthy', 'failing'] as const) {
      failing = mode === 'failing';
      const stats = await drive(target, next, { seconds: 5, concurrency: 8 });
      latencies[mode].push(...stats.latenciesMs);
      failures += stats.failures;
      for (const [status, count] of stats.byStatus)
        statuses.set(status, (statuses.get(status) ?? 0) + count);
    }
    clearInterval(faults);
    const p99 = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        99,
      );
    const [healthy, down] = [p99(latencies.healthy), p99(latencies.failing)];
    const text = await (await fetch(`${demo.url}/metrics`)).text();
    const spansFailed = metric(text, 'tracing_spans', 'outcome="failed"');
    const logsLost =
      metric(text, 'log_shipping_records', 'state="dropped"') +
      metric(text, 'log_shipping_records', 'state="queued"');
    record(
      'faults',
      'OTLP, Loki, Sentry answering 500',
      `p99 ${down.toFixed(1)} ms vs ${healthy.toFixed(1)} ms healthy (×${(down / healthy).toFixed(2)}), ${latencies.failing.length + latencies.healthy.length} requests, all 200; sink refused ${received.refused}; /metrics: spans failed ${spansFailed}, log records dropped or queued ${logsLost}`,
    );
    expect(failures).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(received.refused).toBeGreaterThan(0);
    expect(spansFailed).toBeGreaterThan(0);
    expect(logsLost).toBeGreaterThan(0);
    expect(down).toBeLessThanOrEqual(healthy * 1.2);
  });
});
