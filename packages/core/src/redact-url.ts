import { createRedactor } from './redact';

/** Keys remembered per matcher; attribute names and query keys are few, so this rarely fills. */
const MAX_KEYS = 5000;

/**
 * Core's redaction policy asked one key at a time, for flat data where whether a value is
 * censored depends on its key alone: span attributes (`app.api_key`), query parameters (`token`),
 * header names. Each key is decided once.
 *
 * @param paths - more paths, added to the default policy (see `createRedactor`).
 */
export function sensitiveKeyMatcher(paths: readonly string[] = []): (key: string) => boolean {
  const decided = new Map<string, boolean>();
  const redact = createRedactor({ paths });
  return (key) => {
    let sensitive = decided.get(key);
    if (sensitive === undefined) {
      // The key as one name (`app.api_key`), and its dots as levels (`user.email` against a
      // `user.email` or `**.email` path).
      const flat = redact({ [key]: 0 }) as Record<string, unknown>;
      const segments = key.split('.');
      let nested: unknown = 0;
      for (let i = segments.length - 1; i >= 0; i--) nested = { [segments[i]!]: nested };
      let leaf: unknown = redact(nested);
      for (const segment of segments)
        leaf = (leaf as Record<string, unknown> | undefined)?.[segment];
      sensitive = flat[key] !== 0 || leaf !== 0;
      if (decided.size >= MAX_KEYS) decided.clear();
      decided.set(key, sensitive);
    }
    return sensitive;
  };
}

const defaultMatcher = sensitiveKeyMatcher();

/**
 * Query parameters that carry credentials beyond the key policy: signed-URL signatures and
 * credentials (AWS, Google Cloud), OAuth codes.
 */
const QUERY_SECRETS = new Set([
  'sig',
  'signature',
  'x-goog-signature',
  'x-goog-credential',
  'awsaccesskeyid',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'code',
  'client_secret',
]);

/**
 * A query string (without `?`) with the values of sensitive keys replaced by `REDACTED`, as the
 * HTTP semantic conventions ask for `url.query` and `url.full`: `a=1&token=x` → `a=1&token=REDACTED`.
 */
export function redactQuery(query: string, isSensitive = defaultMatcher): string {
  if (query === '') return query;
  let out = '';
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    let name = at < 0 ? pair : pair.slice(0, at);
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // keep the raw name: it is still checked against the policy
    }
    if (out !== '') out += '&';
    const bare = name.toLowerCase().replace(/\[\]$/, ''); // token[] is token
    const secret = QUERY_SECRETS.has(bare) || isSensitive(name) || isSensitive(bare);
    out += at >= 0 && secret ? `${pair.slice(0, at)}=REDACTED` : pair;
  }
  return out;
}

/** `url` without credentials (`user:password@`) or fragment, sensitive query values redacted. */
export function redactUrl(url: string, isSensitive = defaultMatcher): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.split('?')[0]!; // not a URL we can take apart: keep no query at all
  }
  if (parsed.username || parsed.password) {
    parsed.username = 'REDACTED';
    parsed.password = parsed.password ? 'REDACTED' : '';
  }
  const query = parsed.search.slice(1);
  const base = parsed.href.slice(0, parsed.href.length - parsed.search.length - parsed.hash.length);
  return query ? `${base}?${redactQuery(query, isSensitive)}` : base;
}

/** `scheme://user:password@` anywhere in free text (an error message, a log line). */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi;
/** A query string inside a URL in free text. */
const URL_QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*\?)([^\s#"'<>]+)/gi;

/**
 * Free text with the secrets of URLs in it replaced: passwords (`postgres://app:REDACTED@db`)
 * and sensitive query values (`https://api/x?api_key=REDACTED`). For messages that may quote a
 * connection string or a signed URL.
 */
export function redactCredentials(text: string): string {
  return text
    .replace(URL_PASSWORD, '$1:REDACTED@')
    .replace(URL_QUERY, (_all, head: string, query: string) => head + redactQuery(query));
}
