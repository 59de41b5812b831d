import {
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import {
  httpMethodLabel,
  redactQuery,
  reportInternalError,
  type InstrumentedRequest,
  type RequestInstrument,
  type RequestStart,
} from '@obs/core';
import { ourRootSampling } from './init';
import { LazyUnsampledSpan, sampledIn } from './root-sampling';
import { activeTracer, recordError } from './spans';

/** What the framework adapters of the tracing instrument decide (`tracing()` for Hono). */
export interface ServerSpanOptions<N> {
  /** Requests not traced (probe and scrape paths). */
  skip: (request: InstrumentedRequest<N>) => boolean;
  /** Answer with a `traceparent` header naming the request's span. */
  responseHeader: boolean;
  /** More attributes for each recorded span, read after the handler ran. */
  attributes?: (native: N) => Attributes;
  /** Hands the request's span to the framework (`c.var.span`). */
  expose?: (native: N, span: Span) => void;
}

interface SpanState {
  span: Span;
  /** Started by the SDK (and so to be ended); false for a sampled-out request's lazy span. */
  sdk: boolean;
  recording: boolean;
  /** `GET`, `HTTP` for unknown methods: the span's name until the route is known. */
  name: string;
}

const getter: TextMapGetter<InstrumentedRequest> = {
  get: (request, key) => request.header(key),
  keys: (request) => Object.keys(request.headers()),
};

/** A service answers under a few host names: each is split once, per scheme (no key to build). */
const hostsOf: Record<'http' | 'https', Map<string, readonly [string, number]>> = {
  http: new Map(),
  https: new Map(),
};
const MAX_HOSTS = 256;

/** `host[:port]` → [address, port]; IPv6 literals keep their brackets off. */
function splitHost(host: string, scheme: 'http' | 'https'): readonly [string, number] {
  const hosts = hostsOf[scheme];
  let found = hosts.get(host);
  if (found) return found;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  const address = (match?.[1] ?? host).replace(/^\[|\]$/g, '');
  const port = match?.[2] ? Number(match[2]) : scheme === 'https' ? 443 : 80;
  found = [address, port];
  if (hosts.size >= MAX_HOSTS) hosts.clear();
  hosts.set(host, found);
  return found;
}

/** The stable HTTP server attributes known before the handler runs. */
function requestAttributes(span: Span, request: InstrumentedRequest, start: RequestStart): void {
  const { url, method } = request;
  const label = httpMethodLabel(method);
  const scheme = url.startsWith('https:') ? 'https' : 'http';
  const authority = url.slice(scheme.length + 3, url.indexOf('/', scheme.length + 3) >>> 0);
  const [address, port] = splitHost(request.header('host') ?? authority, scheme);
  const query = url.indexOf('?');
  span.setAttributes({
    'http.request.method': label,
    'url.path': request.path,
    'url.scheme': scheme,
  });
  if (address) span.setAttributes({ 'server.address': address, 'server.port': port });
  if (label === '_OTHER') span.setAttribute('http.request.method_original', method);
  if (query >= 0) span.setAttribute('url.query', redactQuery(url.slice(query + 1)));
  const client = start.context?.clientIp ?? request.remoteAddress;
  if (client) span.setAttribute('client.address', client);
  const userAgent = request.header('user-agent');
  if (userAgent) span.setAttribute('user_agent.original', userAgent);
}

/**
 * One SERVER span per request, framework-neutral (`tracing()` and `tracingInstrument()` from
 * `@obs/tracing/hono` are it for Hono): continues the caller's trace, makes the span the request's
 * active context, names it `GET /route/:template` once the route is known, and sets the stable
 * HTTP semantic-convention attributes. A sampled-out request gets a lazy non-recording span: no
 * ids until someone asks, nothing read or ended after the handler.
 */
export function serverSpans<N>(options: ServerSpanOptions<N>): RequestInstrument<N, SpanState> {
  const { skip, responseHeader, attributes, expose } = options;

  function started(
    request: InstrumentedRequest<N>,
    start: RequestStart,
    span: Span,
    sdk: boolean,
    name: string,
  ): SpanState | undefined {
    expose?.(request.native, span);
    start.otel = trace.setSpan(start.otel, span);
    const recording = span.isRecording();
    return sdk || responseHeader ? { span, sdk, recording, name } : undefined;
  }

  return {
    name: '@obs/tracing',
    start(request, start) {
      if (skip(request)) return undefined;
      const active = start.otel;
      // Our provider registered our propagators (W3C trace context and baggage): a request
      // without those headers carries no context, so skip the propagators (~1.5 µs). With anyone
      // else's provider (B3, X-Ray, Sentry), always ask the registered propagators.
      const ours = ourRootSampling();
      const carries =
        !ours ||
        request.header('traceparent') !== undefined ||
        request.header('baggage') !== undefined;
      let parent = carries ? propagation.extract(active, request, getter) : active;
      // A new trace under our own parent-based sampler: toss the sampling coin here.
      if (ours?.ratio !== undefined && !trace.getSpanContext(parent)) {
        if (Math.random() >= ours.ratio) {
          start.otel = parent;
          return started(request, start, new LazyUnsampledSpan(), false, '');
        }
        parent = sampledIn(parent);
      }
      const method = httpMethodLabel(request.method);
      const name = method === '_OTHER' ? 'HTTP' : method;
      const span = activeTracer().startSpan(name, { kind: SpanKind.SERVER }, parent);
      try {
        if (span.isRecording()) requestAttributes(span, request, start);
      } catch (err) {
        // The span still ends with the request: a bad header must not leak it.
        reportInternalError(err, '@obs/tracing: request attributes');
      }
      start.otel = parent;
      return started(request, start, span, true, name);
    },
    end({ span, sdk, recording, name }, request, outcome) {
      if (recording) {
        const { route, status, error } = outcome;
        if (route !== undefined) {
          span.setAttribute('http.route', route);
          span.updateName(`${name} ${route}`);
        }
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) {
          if (error) recordError(span, error);
          else {
            span.setAttribute('error.type', String(status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        }
        if (attributes && !outcome.threw) {
          try {
            span.setAttributes(attributes(request.native));
          } catch (err) {
            reportInternalError(err, '@obs/tracing: tracing() attributes');
          }
        }
      }
      if (sdk) span.end();
      // After the handler, so it reaches responses the handler built itself.
      const sc = span.spanContext();
      if (responseHeader && !outcome.threw && isSpanContextValid(sc))
        request.setResponseHeader(
          'traceparent',
          `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}`,
        );
    },
  };
}
