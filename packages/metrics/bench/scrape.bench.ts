// /metrics with 1k and 10k label sets of a counter + a histogram (≈ 15k and 150k series), ours vs
// prom-client's own register.metrics() on the same data, each including turning the text into
// bytes as a response would. Target (issue 4): ≤ 100 ms at 150k.
import { bench, do_not_optimize, run, summary } from 'mitata';
import { Counter as PromCounter, Histogram as PromHistogram, Registry } from 'prom-client';
import { createMetrics } from '../src/index';

for (const sets of [1_000, 10_000]) {
  const metrics = createMetrics({ collectDefaultMetrics: false, maxSeriesPerMetric: 20_000 });
  const c = metrics.counter({ name: 'requests_total', help: 'r', labelNames: ['route', 'status'] });
  const h = metrics.histogram({
    name: 'latency_seconds',
    help: 'l',
    labelNames: ['route', 'status'],
  });
  const registry = new Registry();
  const pc = new PromCounter({
    name: 'requests_total',
    help: 'r',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const ph = new PromHistogram({
    name: 'latency_seconds',
    help: 'l',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  registry.setDefaultLabels({ service: 'bench', environment: 'production' });
  for (let i = 0; i < sets; i++) {
    const labels = { route: `/api/v1/r${i}`, status: '200' };
    c.inc(labels);
    h.observe(labels, (i % 100) / 100);
    pc.inc(labels);
    ph.observe(labels, (i % 100) / 100);
  }
  const series = sets * (1 + 11 + 3);
  summary(() => {
    bench(`prom-client register.metrics() — ${series.toLocaleString('en')} series`, async () =>
      do_not_optimize(Buffer.byteLength(await registry.metrics())),
    ).baseline(true);
    bench(`@obs/metrics metricsText() — ${series.toLocaleString('en')} series`, async () =>
      do_not_optimize(Buffer.byteLength(await metrics.metricsText())),
    );
  });
}

await run({ colors: false });
