import type { MiddlewareHandler } from 'hono';
import { getContext, ObsConfigError } from '@obs/core';
import {
  contentLength,
  OPERATIONAL_PATHS,
  pathMatcher,
  responseBodySize,
  routeTemplate,
  type PathList,
} from '@obs/core/hono';
import type { Logger } from '../logger';

declare module 'hono' {
  interface ContextVariableMap {
    logger: Logger;
  }
}

export interface RequestLoggerOptions {
  /** The logger to write with; `c.var.logger` is a child of it bound to the request. */
  logger: Logger;
  /**
   * Paths not logged: exact paths, or prefixes ending in `*`, or a predicate.
   * @default ['/health*', '/ready', '/live', '/metrics']
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
 * with the record. Sets `c.var.logger`, a child logger bound to the request's id.
 *
 * Register it after `obsContext()` from `@obs/core/hono`, which provides the request id.
 *
 * @param options.logger - required.
 * @param options.skip - @default ['/health*', '/ready', '/live', '/metrics']
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
  const { logger, logStart = false, headers = false } = options;
  if (typeof logger !== 'object' || typeof logger.info !== 'function') {
    throw new ObsConfigError('logger', 'expected a logger from createLogger()');
  }
  const skip = pathMatcher('skip', options.skip, OPERATIONAL_PATHS);

  return async function requestLoggerMiddleware(c, next) {
    const requestId = getContext()?.requestId;
    c.set('logger', requestId === undefined ? logger : logger.child({ request_id: requestId }));
    if (skip(c)) {
      await next();
      return;
    }
    const started = performance.now();
    if (logStart) c.var.logger.debug('request started', { method: c.req.method, path: c.req.path });
    let thrown: unknown;
    try {
      await next();
    } catch (err) {
      // Hono handles thrown Errors itself (c.error); anything else passes through to here.
      thrown = err;
      throw err;
    } finally {
      const error = c.error ?? thrown;
      const status = c.finalized ? c.res.status : 500;
      const ctx = getContext();
      // URLSearchParams: the redactor turns it into { key: value } and scrubs tokens and keys.
      const query = c.req.url.includes('?') ? new URL(c.req.url).searchParams : undefined;
      const fields: Record<string, unknown> = {
        method: c.req.method,
        path: c.req.path,
        route: routeTemplate(c),
        status,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        request_size: contentLength(c.req.header('content-length')),
        response_size: c.finalized ? responseBodySize(c.res) : undefined,
        client_ip: ctx?.clientIp,
        user_agent: ctx?.userAgent,
        query,
        headers: headers ? c.req.header() : undefined,
        error,
      };
      // By the status the client got: a thrown error mapped to a 4xx by the error handler (an
      // HTTPException, a validation error) is the client's problem, logged at warn with it.
      const log = c.var.logger;
      if (status >= 500 || (error && status < 400)) log.error('request completed', fields);
      else if (status >= 400) log.warn('request completed', fields);
      else log.info('request completed', fields);
    }
  };
}
