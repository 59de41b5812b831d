import type { Handler } from 'hono';
import { createMetricsFetchHandler, type MetricsHandlerOptions } from '../handler';

/**
 * The `/metrics` route for Hono: negotiation (OpenMetrics with exemplars, or text 0.0.4), gzip,
 * optional auth, and a scrape-duration self-metric.
 *
 * @example
 * ```ts
 * app.get('/metrics', metricsHandler({ metrics, auth: { bearer: process.env.METRICS_TOKEN! } }));
 * ```
 */
export function metricsHandler(options: MetricsHandlerOptions): Handler {
  const handle = createMetricsFetchHandler(options);
  return (c) => handle(c.req.raw);
}

export type { MetricsHandlerOptions };
