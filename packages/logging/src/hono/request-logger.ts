import type { Context, MiddlewareHandler } from 'hono';
import { ObsConfigError, type RequestInstrument } from '@obs/core';
import { OPERATIONAL_PATHS, pathMatcher, requestMiddleware, type PathList } from '@obs/core/hono';
import type { Logger } from '../logger';
import { requestLogs } from '../request-logs';

declare module 'hono' {
  interface ContextVariableMap {
    logger: Logger;
  }
}

export interface RequestLoggerOptions {
  /** The logger to write with; `c.var.logger` is a child of it bound to the request. */
  logger: Logger;
  /**
   * Paths not logged: exact paths, a path and its sub-paths ending in `*` (`/health*` is
   * `/health/db`, not `/healthcare`), or a predicate.
   * @default core's OPERATIONAL_PATHS (`/health*`, `/healthz*`, `/healthcheck`, `/ready`, `/live`, `/metrics`, `/_obs*`)
   */
  skip?: PathList;
  /** Also log `request started` (at debug) when a request comes in. @default false */
  logStart?: boolean;
  /** Log the request headers (redacted by the logger's policy). @default false */
  headers?: boolean;
}

/**
 * Logs one `request completed` record per request: `method`, `path`, `route` (the template),
 * `status`, `duration_ms`, `request_size`, `response_size`, `client_ip`, `user_agent`, the query
 * (redacted), at `info` for 2xx/3xx, `warn` for 4xx and `error` for 5xx; a thrown error is logged
 * with the record, without its stack when the response is a 4xx. Sets `c.var.logger`, a child logger bound to the request's id.
 *
 * Register it after `obsContext()` from `@obs/core/hono`, which provides the request id.
 *
 * @param options.logger - required.
 * @param options.skip - @default core's OPERATIONAL_PATHS
 * @param options.logStart - @default false
 * @param options.headers - @default false
 * @example
 * ```ts
 * const logger = createLogger({ service: { name: 'analytics' } });
 * app.use(obsContext());
 * app.use(requestLogger({ logger }));
 * app.get('/api/v1/workspaces/:id', (c) => {
 *   c.var.logger.info('loading workspace');
 *   return c.json({});
 * });
 * ```
 */
export function requestLogger(options: RequestLoggerOptions): MiddlewareHandler {
  return requestMiddleware([requestLoggerInstrument(options)]);
}

/**
 * What `requestLogger()` does, as a request instrument, to run in the one frame of
 * `obsContext(options, instruments)` (as `observe()` from `@obs/kit/hono` does) instead of a
 * middleware of its own.
 *
 * @throws ObsConfigError naming `logger` or `skip`.
 */
export function requestLoggerInstrument(options: RequestLoggerOptions): RequestInstrument<Context> {
  const { logger, logStart = false, headers = false } = options;
  if (typeof logger !== 'object' || typeof logger.info !== 'function') {
    throw new ObsConfigError('logger', 'expected a logger from createLogger()');
  }
  const skip = pathMatcher('skip', options.skip, OPERATIONAL_PATHS);
  return requestLogs<Context>({
    logger,
    skip: (request) => skip(request.native),
    logStart,
    headers,
    expose: (c, log) => c.set('logger', log),
  });
}
