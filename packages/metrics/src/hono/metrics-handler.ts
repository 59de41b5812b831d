import type { Handler } from 'hono';
import { createMetricsFetchHandler, type MetricsHandlerOptions } from '../handler';

/**
 * The `/metrics` route for Hono: negotiation (OpenMetrics with exemplars, or text 0.0.4), gzip,
 * optional auth, and a scrape-duration self-metric.
 *
 * @example
 * ```ts
 * // An unset token is a config error naming `auth.bearer`; leave `auth` out to serve /metrics openly.
 * const token = process.env.METRICS_TOKEN;
 * app.get('/metrics', metricsHandler({ metrics, auth: token ? { bearer: token } : undefined }));
 * ```
 */
export function metricsHandler(options: MetricsHandlerOptions): Handler {
  const handle = createMetricsFetchHandler(options);
  return (c) => handle(c.req.raw);
}

export type { MetricsHandlerOptions };
