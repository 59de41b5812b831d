// Issue 11's server budget: "updating with 10 routes and 5 minutes of history costs the server
// ≤ 5 ms per refresh". A real prom-client registry (http_requests_total and
// http_request_duration_seconds for 10 routes × 3 statuses, plus the process default metrics),
// 150 samples at the default 2 s interval (5 minutes, on a simulated clock), then a full
// `GET /api/overview` through `app.request()`: the first request after a sample (the pages poll
// once per sample, so this is what each refresh costs) and repeated ones (served from the cache).
// Also the cost of one sampler tick (collect() from the registry, then history + panels).
import { Hono } from 'hono';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { MetricSample, MetricSource } from '../src/index';
import { obsDashboard } from '../src/hono/index';

const TOKEN = 'bench-token-0123456789abcdef';
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

interface PromJsonMetric {
  name: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/** The registry as a metric source (what an app writes in one line, or @obs/alerts' registrySource). */
function registrySource(registry: Registry): MetricSource {
  return {
    async collect() {
      const metrics = (await registry.getMetricsAsJSON()) as unknown as PromJsonMetric[];
      const samples: MetricSample[] = [];
      for (const metric of metrics)
        for (const v of metric.values) {
          const labels: Record<string, string> = {};
          for (const k in v.labels) labels[k] = String(v.labels[k]);
          samples.push({ name: v.metricName ?? metric.name, labels, value: v.value });
        }
      return samples;
    },
  };
}

const registry = new Registry();
collectDefaultMetrics({ register: registry });
const labelNames = ['method', 'route', 'status'] as const;
const requests = new Counter({
  name: 'http_requests_total',
  help: 'h',
  labelNames,
  registers: [registry],
});
const duration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'h',
  labelNames,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const routes = Array.from({ length: 10 }, (_, i) => `/api/v1/resource${i}/:id`);
function traffic(): void {
  for (const route of routes)
    for (const [status, n] of [
      ['200', 20],
      ['404', 2],
      ['500', 1],
    ] as const)
      for (let i = 0; i < n; i++) {
        const labels = { method: 'GET', route, status };
        requests.inc(labels);
        duration.observe(labels, Math.random() * 0.2);
      }
}

// A simulated clock: 150 samples 2 s apart without waiting 5 minutes.
let clock = Date.now();
Date.now = () => clock;

const source = registrySource(registry);
const dashboard = obsDashboard({ auth: { bearer: TOKEN }, metrics: source });
dashboard.close(); // ticks are driven below
const app = new Hono();
app.route('/_obs', dashboard);
const headers = { authorization: `Bearer ${TOKEN}` };
const refresh = async () => {
  const res = await app.request('/_obs/api/overview', { headers });
  return res.text();
};

const ticks: number[] = [];
const collects: number[] = [];
for (let i = 0; i < 150; i++) {
  traffic();
  clock += 2000;
  let started = performance.now();
  await source.collect();
  collects.push(performance.now() - started);
  started = performance.now();
  await dashboard.sample();
  ticks.push(performance.now() - started);
}
const series = (await source.collect()).length;

// Each refresh right after a sample: panels serialized and redacted, route table, JSON.
const afterTick: number[] = [];
let bytes = 0;
for (let i = 0; i < 300; i++) {
  traffic();
  clock += 2000;
  await dashboard.sample();
  const started = performance.now();
  bytes = (await refresh()).length;
  afterTick.push(performance.now() - started);
}
// Repeated refreshes within one sample interval (several tabs open).
const cached: number[] = [];
for (let i = 0; i < 2000; i++) {
  const started = performance.now();
  await refresh();
  cached.push(performance.now() - started);
}
const body = JSON.parse(await refresh()) as {
  panels: { data: { t: number[] } }[];
  routes: unknown[];
};

console.log(
  `registry: ${series} samples a collect; history ${body.panels[0]!.data.t.length} points, ${body.routes.length} routes; /api/overview ${(bytes / 1024).toFixed(1)} kB`,
);
const last = ticks.slice(-100);
const collectCost = collects.slice(-100);
console.log(
  `sampler tick (collect + history + panels): median ${fmt(percentile(last, 0.5))}, p95 ${fmt(percentile(last, 0.95))}` +
    ` (of which prom-client collect: median ${fmt(percentile(collectCost, 0.5))})`,
);
const verdict = (ms: number) => (ms <= 5 ? 'within' : 'OVER');
console.log(
  `GET /api/overview after each sample: median ${fmt(percentile(afterTick, 0.5))}, p95 ${fmt(percentile(afterTick, 0.95))}` +
    ` — target ≤ 5 ms: ${verdict(percentile(afterTick, 0.95))}`,
);
console.log(
  `GET /api/overview repeated (cached until the next sample): median ${fmt(percentile(cached, 0.5))}, p95 ${fmt(percentile(cached, 0.95))}`,
);
