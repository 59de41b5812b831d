import type { Context, MiddlewareHandler } from 'hono';
import { OTHER_HTTP_METHOD, type RequestInstrument } from '@obs/core';
import { OPERATIONAL_PATHS, pathMatcher, requestMiddleware, type PathList } from '@obs/core/hono';
import { optionsObject } from '../options';
import { requestMetrics, UNMATCHED_ROUTE, type RequestMetricsOptions } from '../request-metrics';

export interface HttpMetricsOptions extends Omit<RequestMetricsOptions<Context>, 'skip'> {
  /**
   * Paths not measured: exact, a path and its sub-paths ending in `*` (`/health*` is `/health`,
   * `/health/` and `/health/db`, not `/healthcare`), or a predicate.
   * @default core's OPERATIONAL_PATHS (`/health*`, `/healthz*`, `/healthcheck`, `/ready`, `/live`, `/metrics`, `/_obs*`)
   */
  exclude?: PathList;
}

export { UNMATCHED_ROUTE };
/** Method label of anything but the standard methods, so junk methods cannot add series. */
export const OTHER_METHOD = OTHER_HTTP_METHOD;

/**
 * RED metrics for every request: `http_requests_total{method,route,status}`,
 * `http_request_duration_seconds{method,route,status}` (with the sampled trace as exemplar),
 * `http_requests_in_flight{method}`, and request/response size histograms. `route` is the matched
 * route template, read after the handler ran; unmatched requests share `__unmatched__`; unknown
 * methods become `_OTHER`; a thrown error counts with the status of the error response (500 for
 * anything Hono cannot answer).
 *
 * @example
 * ```ts
 * const metrics = createMetrics({ service: { name: 'analytics' } });
 * app.use(obsContext());
 * app.use(httpMetrics({ metrics }));
 * app.get('/metrics', metricsHandler({ metrics }));
 * ```
 */
export function httpMetrics(options: HttpMetricsOptions): MiddlewareHandler {
  return requestMiddleware([httpMetricsInstrument(options)]);
}

/**
 * What `httpMetrics()` does, as a request instrument, to run in the one frame of
 * `obsContext(options, instruments)` (as `observe()` from `@obs/kit/hono` does) instead of a
 * middleware of its own.
 *
 * @throws ObsConfigError naming the bad option.
 */
export function httpMetricsInstrument(options: HttpMetricsOptions): RequestInstrument<Context> {
  const { exclude, ...rest } = optionsObject(options, '{ metrics, … }');
  const skip = pathMatcher('exclude', exclude, OPERATIONAL_PATHS);
  return requestMetrics<Context>({
    ...rest,
    skip: (request) => skip(request.native),
  });
}
