import {
  contentLength,
  getContext,
  type InstrumentedRequest,
  type RequestInstrument,
  type RequestOutcome,
} from '@obs/core';
import type { Logger } from './logger';
import { errorType } from './serialize';

/** What the framework adapters of the request-log instrument decide (`requestLogger()` for Hono). */
export interface RequestLogOptions<N> {
  logger: Logger;
  /** Requests not logged (probe and scrape paths); they still get a request-bound logger. */
  skip: (request: InstrumentedRequest<N>) => boolean;
  logStart: boolean;
  headers: boolean;
  /** Hands the request-bound logger to the framework (`c.var.logger`). */
  expose?: (native: N, logger: Logger) => void;
}

/**
 * A thrown error behind a 4xx without its stack (and cause chain): the client's mistake, expected
 * and frequent, where a stack is noise; what went wrong stays in `type`, `message` and the
 * error's own `status` and `code`.
 */
function expectedError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { status, code } = error as { status?: unknown; code?: unknown };
  return {
    type: errorType(error),
    message: error.message,
    ...(typeof status === 'number' && { status }),
    ...((typeof code === 'string' || typeof code === 'number') && { code }),
  };
}

function requestFields(
  request: InstrumentedRequest,
  outcome: RequestOutcome,
  headers: boolean,
): Record<string, unknown> {
  const { url } = request;
  const ctx = getContext();
  return {
    method: request.method,
    path: request.path,
    route: outcome.route,
    status: outcome.status,
    duration_ms: Math.round(outcome.seconds * 1e6) / 1000,
    request_size: contentLength(request.header('content-length')),
    response_size: outcome.responseSize(),
    client_ip: ctx?.clientIp,
    user_agent: ctx?.userAgent,
    // URLSearchParams: the redactor turns it into { key: value } and scrubs tokens and keys.
    query: url.includes('?') ? new URL(url).searchParams : undefined,
    headers: headers ? request.headers() : undefined,
    // Only 4xx: an error behind a 2xx/3xx is logged at error, as a surprise worth its stack.
    error:
      outcome.status >= 400 && outcome.status < 500 ? expectedError(outcome.error) : outcome.error,
  };
}

/**
 * One `request completed` record per request, framework-neutral (`requestLogger()` and
 * `requestLoggerInstrument()` from `@obs/logging/hono` are it for Hono), at `info` for 2xx/3xx,
 * `warn` for 4xx and `error` for 5xx, written inside the request's frame so it carries the
 * request's context and trace ids. Every request also gets a logger bound to its request id.
 */
export function requestLogs<N>(options: RequestLogOptions<N>): RequestInstrument<N, Logger> {
  const { logger, skip, logStart, headers, expose } = options;
  return {
    name: '@obs/logging',
    start(request, start) {
      const requestId = start.context?.requestId;
      const log = requestId === undefined ? logger : logger.child({ request_id: requestId });
      expose?.(request.native, log);
      return skip(request) ? undefined : log;
    },
    // In the request's frame, so the line carries its trace ids like every other line.
    enter: logStart
      ? (log, request) =>
          log.debug('request started', { method: request.method, path: request.path })
      : undefined,
    end(log, request, outcome) {
      const fields = requestFields(request, outcome, headers);
      const { status, error } = outcome;
      // By the status the client got: a thrown error mapped to a 4xx by the error handler (an
      // HTTPException, a validation error) is the client's problem, logged at warn with it.
      if (status >= 500 || (error && status < 400)) log.error('request completed', fields);
      else if (status >= 400) log.warn('request completed', fields);
      else log.info('request completed', fields);
    },
  };
}
