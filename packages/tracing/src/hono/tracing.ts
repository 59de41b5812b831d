import type { IncomingMessage } from 'node:http';
import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context as OtelContext,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { Context, MiddlewareHandler, Next } from 'hono';
import {
  getContext,
  httpMethodLabel,
  redactQuery,
  ObsConfigError,
  reportInternalError,
} from '@obs/core';
import { OPERATIONAL_PATHS, pathMatcher, routeTemplate, type PathList } from '@obs/core/hono';
import { ourRootSampling } from '../init';
import { LazyUnsampledSpan, sampledIn } from '../root-sampling';
import { activeTracer, recordError } from '../spans';

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's SERVER span (non-recording when the trace is sampled out). */
    span: Span;
  }
}

export interface TracingMiddlewareOptions {
  /** Paths not traced: exact, prefixes ending in `*`, or a predicate. @default ['/metrics', '/health*', '/ready', '/live'] */
  exclude?: PathList;
  /** Answer with a `traceparent` header naming the request's span (for clients and support). @default false */
  responseHeader?: boolean;
  /** More attributes for each recorded span, read after the handler ran. */
  attributes?: (c: Context) => Attributes;
}

/** Under @hono/node-server: Node's own parsed headers, without building a fetch Headers object. */
function incomingOf(c: Context): IncomingMessage | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined;
  return env?.incoming?.headers ? env.incoming : undefined;
}

function header(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const getter: TextMapGetter<Context> = {
  get: (c, key) => header(c, key),
  keys: (c) => Object.keys(incomingOf(c)?.headers ?? Object.fromEntries(c.req.raw.headers)),
};

/** Whether the request carries a trace context or baggage for our (W3C) propagators. */
function carriesContext(c: Context): boolean {
  const incoming = incomingOf(c);
  if (!incoming)
    return c.req.header('traceparent') !== undefined || c.req.header('baggage') !== undefined;
  const { headers } = incoming;
  return headers.traceparent !== undefined || headers.baggage !== undefined;
}

/** `host[:port]` → [address, port]; IPv6 literals keep their brackets off. */
function splitHost(host: string, scheme: string): [string, number] {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  const address = (match?.[1] ?? host).replace(/^\[|\]$/g, '');
  const port = match?.[2] ? Number(match[2]) : scheme === 'https' ? 443 : 80;
  return [address, port];
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
  const skip = pathMatcher('exclude', options.exclude, OPERATIONAL_PATHS);
  const { responseHeader = false, attributes } = options;
  if (attributes !== undefined && typeof attributes !== 'function')
    throw new ObsConfigError('attributes', 'expected (c) => attributes');

  /** After the handler, so it reaches responses the handler built itself. */
  function answerTraceparent(c: Context, span: Span): void {
    const sc = span.spanContext();
    if (isSpanContextValid(sc))
      c.header('traceparent', `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`);
  }

  /** A span the SDK starts (recording, or non-recording under an unsampled caller). */
  async function traced(c: Context, next: Next, parent: OtelContext): Promise<void> {
    const method = httpMethodLabel(c.req.method);
    const name = method === '_OTHER' ? 'HTTP' : method;
    const span = activeTracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
    const recording = span.isRecording();
    if (recording) {
      const url = c.req.url;
      const scheme = url.startsWith('https:') ? 'https' : 'http';
      const authority = url.slice(scheme.length + 3, url.indexOf('/', scheme.length + 3) >>> 0);
      const [address, port] = splitHost(header(c, 'host') ?? authority, scheme);
      const query = url.indexOf('?');
      span.setAttributes({
        'http.request.method': method,
        'url.path': c.req.path,
        'url.scheme': scheme,
      });
      if (address) span.setAttributes({ 'server.address': address, 'server.port': port });
      if (method === '_OTHER') span.setAttribute('http.request.method_original', c.req.method);
      if (query >= 0) span.setAttribute('url.query', redactQuery(url.slice(query + 1)));
      const client = getContext()?.clientIp ?? incomingOf(c)?.socket.remoteAddress;
      if (client) span.setAttribute('client.address', client);
      const userAgent = header(c, 'user-agent');
      if (userAgent) span.setAttribute('user_agent.original', userAgent);
    }
    c.set('span', span);

    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (err) {
      // Hono answers thrown errors itself; this is for errors it passes on (a sub-app's).
      if (recording) {
        span.setAttribute('http.response.status_code', 500);
        recordError(span, err);
      }
      span.end();
      throw err;
    }
    if (recording) {
      const route = routeTemplate(c);
      const status = c.res.status;
      if (route !== undefined) {
        span.setAttribute('http.route', route);
        span.updateName(`${name} ${route}`);
      }
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        if (c.error) recordError(span, c.error);
        else {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      if (attributes) {
        try {
          span.setAttributes(attributes(c));
        } catch (err) {
          reportInternalError(err, '@obs/tracing: tracing() attributes');
        }
      }
    }
    span.end();
    if (responseHeader) answerTraceparent(c, span);
  }

  // Not an async function: a sampled-out request is handed on as is (`return next()`, as Hono's
  // own middleware do), without the promise and await of a wrapper. Under Node 20's async hooks,
  // which the context manager switches on, every promise a request makes has a cost.
  return function tracingMiddleware(c, next) {
    if (skip(c)) return next();
    const active = context.active();
    // Our provider registered our propagators (W3C trace context and baggage): a request without
    // those headers carries no context, so skip the propagators (~1.5 µs). With anyone else's
    // provider (B3, X-Ray, Sentry), always ask the registered propagators.
    const ours = ourRootSampling();
    const parent = !ours || carriesContext(c) ? propagation.extract(active, c, getter) : active;
    // A new trace under our own parent-based sampler: toss the sampling coin here.
    if (ours?.ratio === undefined || trace.getSpanContext(parent)) return traced(c, next, parent);
    if (Math.random() < ours.ratio) return traced(c, next, sampledIn(parent));
    // Sampled out: no span from the SDK, no ids until someone asks for them (a log line, a child
    // span, an outgoing call), nothing to end and nothing to read after the handler.
    const span = new LazyUnsampledSpan();
    c.set('span', span);
    const done = context.with(trace.setSpan(parent, span), next);
    return responseHeader ? done.then(() => answerTraceparent(c, span)) : done;
  };
}
