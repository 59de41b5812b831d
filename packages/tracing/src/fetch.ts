import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { httpMethodLabel, redactUrl } from '@obs/core';
import { activeTracer, injectHeaders, recordError } from './spans';

/**
 * `fetch` in a CLIENT span, with the trace context sent along (`traceparent`, `tracestate`,
 * `baggage`), so the service called continues this trace. Attributes follow the HTTP client
 * semantic conventions: `http.request.method`, `url.full` (credentials and sensitive query values
 * redacted), `server.address`, `server.port`, `http.response.status_code`, `error.type`. A 5xx
 * answer or a network error marks the span failed; the response or error is the caller's as usual.
 *
 * @example
 * ```ts
 * const res = await tracedFetch(`${BILLING_URL}/credits`, { method: 'POST', body });
 * ```
 */
export async function tracedFetch(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const method = httpMethodLabel(request.method);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const span = activeTracer().startSpan(method === '_OTHER' ? 'HTTP' : method, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      ...(method === '_OTHER' ? { 'http.request.method_original': request.method } : {}),
      'url.full': redactUrl(request.url),
      'server.address': url.hostname,
      'server.port': port,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  const headers = injectHeaders(new Headers(request.headers), ctx);
  try {
    const response = await context.with(ctx, () => fetch(new Request(request, { headers })));
    span.setAttribute('http.response.status_code', response.status);
    // A client span fails on 4xx too (the semantic conventions; a server span only on 5xx).
    if (response.status >= 400) {
      span.setAttribute('error.type', String(response.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return response;
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}
