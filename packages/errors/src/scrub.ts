import type { Breadcrumb, ErrorEvent } from '@sentry/node';
import {
  createRedactor,
  redactCredentials,
  redactQuery,
  redactUrl,
  sensitiveKeyMatcher,
} from '@obs/core';

/**
 * A request body as Sentry carries it. JSON and form bodies are redacted key by key; anything
 * else (multipart, XML, text) cannot be checked, so it is left out.
 */
function scrubBody(
  data: unknown,
  redact: (value: unknown) => unknown,
  isSensitive: (key: string) => boolean,
): unknown {
  if (typeof data !== 'string') return redact(data);
  const text = data.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.stringify(redact(JSON.parse(text)));
    } catch {
      return '[body removed: not valid JSON]';
    }
  }
  if (/^[^=&\s]+=[^&\s]*(&[^=&\s]+(=[^&\s]*)?)*$/.test(text)) return redactQuery(text, isSensitive);
  return '[body removed: neither JSON nor form data]';
}

/** Header names that carry sessions and tokens under names the key policy does not know. */
const HEADER_PATHS = ['**.*session*', '**.*csrf*', '**.*xsrf*', '**.*jwt*', '**.sid', '**.*-auth*'];

function scrubQuery(
  query: unknown,
  redact: (value: unknown) => unknown,
  isSensitive: (key: string) => boolean,
): unknown {
  if (typeof query === 'string') return redactQuery(query.replace(/^\?/, ''), isSensitive);
  if (Array.isArray(query))
    return (query as [string, string][]).map(([k, v]) => [k, isSensitive(k) ? 'REDACTED' : v]);
  return redact(query);
}

/**
 * Every event through core's redaction policy before anyone's `beforeSend`: request headers,
 * cookies, query string, body and URL; `extra`, `contexts` and tags; breadcrumbs' data and URLs;
 * and passwords inside URLs in exception messages (`postgres://app:REDACTED@db`).
 */
export function createScrubber(paths: readonly string[]): {
  event(event: ErrorEvent): ErrorEvent;
  breadcrumb(crumb: Breadcrumb): Breadcrumb;
} {
  const redact = createRedactor({ paths });
  const redactHeaders = createRedactor({ paths: [...paths, ...HEADER_PATHS] });
  const isSensitive = sensitiveKeyMatcher(paths);

  const breadcrumb = (crumb: Breadcrumb): Breadcrumb => {
    const out = { ...crumb };
    if (out.message) out.message = redactCredentials(out.message);
    if (out.data) {
      const data = redact(out.data) as Record<string, unknown>;
      if (typeof data.url === 'string') data.url = redactUrl(data.url, isSensitive);
      const query = data['http.query'] ?? data['url.query'];
      if (typeof query === 'string') {
        const clean = redactQuery(query.replace(/^\?/, ''), isSensitive);
        if ('http.query' in data) data['http.query'] = clean;
        if ('url.query' in data) data['url.query'] = clean;
      }
      out.data = data;
    }
    return out;
  };

  return {
    breadcrumb,
    event(event) {
      const out: ErrorEvent = { ...event };
      if (out.request) {
        const request = { ...out.request };
        if (request.headers)
          request.headers = redactHeaders(request.headers) as Record<string, string>;
        // Cookies are credentials by nature: keep their names only.
        if (request.cookies)
          request.cookies = Object.fromEntries(
            Object.keys(request.cookies).map((name) => [name, '[REDACTED]']),
          );
        if (request.query_string !== undefined)
          request.query_string = scrubQuery(request.query_string, redact, isSensitive) as never;
        if (request.data !== undefined) request.data = scrubBody(request.data, redact, isSensitive);
        if (request.url) request.url = redactUrl(request.url, isSensitive);
        out.request = request;
      }
      if (out.exception?.values) {
        out.exception = {
          ...out.exception,
          values: out.exception.values.map((value) =>
            value.value ? { ...value, value: redactCredentials(value.value) } : value,
          ),
        };
      }
      if (out.message) out.message = redactCredentials(out.message);
      if (out.extra) out.extra = redact(out.extra) as Record<string, unknown>;
      if (out.contexts) out.contexts = redact(out.contexts) as ErrorEvent['contexts'];
      if (out.tags) out.tags = redact(out.tags) as ErrorEvent['tags'];
      if (out.breadcrumbs) out.breadcrumbs = out.breadcrumbs.map(breadcrumb);
      return out;
    },
  };
}
