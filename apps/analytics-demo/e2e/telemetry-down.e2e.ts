// Issue 10, part 5 (the telemetry endpoints): OTLP, Loki and Sentry receivers that answer 500
// must not slow requests or fail them. One demo exports to a local sink that is healthy or
// failing in turns; no request may fail, and the losses must show in /metrics. That requests do
// not wait on telemetry is shown by order, not by a latency bound (a busy machine moves those):
// in a last round the sink holds every telemetry request unanswered until all of the round's
// traffic has been answered. The p99 of each mode goes to the summary only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTarget, drive, percentile, type Request, type Target } from '../scripts/traffic';
import { ADMIN_TOKEN, record, startDemo, waitUntil, type Demo } from './harness';

let sink: Server;
let mode: 'healthy' | 'failing' | 'hung' = 'healthy';
const received = { ok: 0, refused: 0 };
/** Telemetry requests the sink holds while hung: each refuses its request (500). */
const held: (() => void)[] = [];
let demo: Demo;
let target: Target;

beforeAll(async () => {
  // Answers every OTLP, Loki and Sentry request: 200 while healthy, 500 while failing; holds
  // them while hung.
  sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = (status: number) => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      };
      if (mode === 'hung') held.push(() => answer(500));
      else if (mode === 'failing') {
        received.refused++;
        answer(500);
      } else {
        received.ok++;
        answer(200);
      }
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
  for (const refuse of held.splice(0)) refuse();
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
  it('fail no request, make none wait, and show their losses in /metrics', async () => {
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
    const round = async (now: typeof mode, seconds = 5) => {
      mode = now;
      const stats = await drive(target, next, { seconds, concurrency: 8 });
      failures += stats.failures;
      for (const [status, count] of stats.byStatus)
        statuses.set(status, (statuses.get(status) ?? 0) + count);
      return stats;
    };
    for (const each of ['healthy', 'failing', 'healthy', 'failing'] as const)
      latencies[each].push(...(await round(each)).latenciesMs);
    const p99 = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        99,
      );
    const [healthy, down] = [p99(latencies.healthy), p99(latencies.failing)];
    const text = await (await fetch(`${demo.url}/metrics`)).text();
    // Traffic until the sink holds a telemetry request (exporters send on their own timers),
    // then a round whose every request was answered (drive waits for each) while the sink
    // still held it, and whatever telemetry the round produced.
    mode = 'hung';
    await waitUntil(
      async () => {
        if (held.length === 0) await round('hung', 1);
        return held.length > 0;
      },
      60_000,
      'a telemetry request reaches the hung sink',
    );
    const hung = await round('hung');
    const stuck = held.length;
    mode = 'healthy';
    for (const refuse of held.splice(0)) refuse();
    clearInterval(faults);
    const spansFailed = metric(text, 'tracing_spans', 'outcome="failed"');
    const logsLost =
      metric(text, 'log_shipping_records', 'state="dropped"') +
      metric(text, 'log_shipping_records', 'state="queued"');
    record(
      'faults',
      'OTLP, Loki, Sentry answering 500',
      `p99 ${down.toFixed(1)} ms vs ${healthy.toFixed(1)} ms healthy (×${(down / healthy).toFixed(2)}), ${latencies.failing.length + latencies.healthy.length} requests, all 200; sink refused ${received.refused}; /metrics: spans failed ${spansFailed}, log records dropped or queued ${logsLost}; ${hung.requests} requests answered while ${stuck} telemetry requests hung`,
    );
    expect(failures).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(received.refused).toBeGreaterThan(0);
    expect(spansFailed).toBeGreaterThan(0);
    expect(logsLost).toBeGreaterThan(0);
    expect(hung.requests).toBeGreaterThan(0);
    expect(stuck).toBeGreaterThan(0);
  });
});
