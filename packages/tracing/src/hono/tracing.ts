import type { Attributes, Span } from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { ObsConfigError, type RequestInstrument } from '@obs/core';
import { OPERATIONAL_PATHS, pathMatcher, requestMiddleware, type PathList } from '@obs/core/hono';
import { serverSpans } from '../server-spans';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's SERVER span (non-recording when the trace is sampled out). */
    span: Span;
  }
}

export interface TracingMiddlewareOptions {
  /**
   * Paths not traced: exact, a path and its sub-paths ending in `*` (`/health*` is `/health/db`,
   * not `/healthcare`), or a predicate. @default core's OPERATIONAL_PATHS
   */
  exclude?: PathList;
  /** Answer with a `traceparent` header naming the request's span (for clients and support). @default false */
  responseHeader?: boolean;
  /** More attributes for each recorded span, read after the handler ran. */
  attributes?: (c: Context) => Attributes;
}

/**
 * One SERVER span per request, continuing the caller's trace from `traceparent`/`tracestate`
 * (and baggage), named `GET /route/:template` once the route is known, with the stable HTTP
 * semantic-convention attributes. The span is active for everything the handler does (so log lines
 * carry its ids) and is `c.var.span`. Status ERROR for 5xx and thrown errors (recorded as
 * exceptions); 4xx leave it unset. Sampled-out requests get a non-recording span: no attributes
 * are read for them.
 *
 * @example
 * ```ts
 * initTracing({ service: { name: 'analytics' } });
 * app.use(obsContext());
 * app.use(tracing());
 * ```
 */
export function tracing(options: TracingMiddlewareOptions = {}): MiddlewareHandler {
  return requestMiddleware([tracingInstrument(options)]);
}

/**
 * What `tracing()` does, as a request instrument, to run in the one frame of
 * `obsContext(options, instruments)` (as `observe()` from `@obs/kit/hono` does) instead of a
 * middleware of its own.
 *
 * @throws ObsConfigError naming `exclude` or `attributes`.
 */
export function tracingInstrument(
  options: TracingMiddlewareOptions = {},
): RequestInstrument<Context> {
  const skip = pathMatcher('exclude', options.exclude, OPERATIONAL_PATHS);
  const { responseHeader = false, attributes } = options;
  if (attributes !== undefined && typeof attributes !== 'function')
    throw new ObsConfigError('attributes', 'expected (c) => attributes');
  return serverSpans<Context>({
    skip: (request) => skip(request.native),
    responseHeader,
    attributes,
    expose: (c, span) => c.set('span', span),
  });
}
