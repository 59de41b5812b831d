// The benches' metrics: a real prom-client registry with http_requests_total and
// http_request_duration_seconds for 10 routes × 3 statuses, plus the process default metrics, as
// a dashboard metric source (what an app writes in one line, or @obs/alerts' registrySource).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { MetricSample, MetricSource } from '../src/index';

interface PromJsonMetric {
  name: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/** The registry as a metric source. */
export function registrySource(registry: Registry): MetricSource {
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

export interface BenchRegistry {
  source: MetricSource;
  /** One sample interval's traffic: 23 requests on each of the 10 routes (20 × 200, 2 × 404, 1 × 500). */
  traffic: () => void;
}

export function benchRegistry(): BenchRegistry {
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
  const traffic = (): void => {
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
  };
  return { source: registrySource(registry), traffic };
}
