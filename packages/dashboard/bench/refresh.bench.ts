// Issue 11's server budget: "updating with 10 routes and 5 minutes of history costs the server
// ≤ 5 ms per refresh". A real prom-client registry (bench/registry.ts: http_requests_total and
// http_request_duration_seconds for 10 routes × 3 statuses, plus the process default metrics),
// 150 samples at the default 2 s interval (5 minutes, on a simulated clock), then a full
// `GET /api/overview` through `app.request()`: the first request after a sample (the pages poll
// once per sample, so this is what each refresh costs) and repeated ones (served from the cache).
// Also the cost of one sampler tick (collect() from the registry, then history + panels).
import { Hono } from 'hono';
import { obsDashboard } from '../src/hono/index';
import { benchRegistry } from './registry';

const TOKEN = 'bench-token-0123456789abcdef';
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

const { source, traffic } = benchRegistry();

// A simulated clock: 150 samples 2 s apart without waiting 5 minutes.
let clock = Date.now();
Date.now = () => clock;

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
