import { createRedactor } from '@obs/core';

/** Keys remembered per policy; attribute names and query keys are few, so this rarely fills. */
const MAX_KEYS = 5000;

/**
 * Core's redaction policy asked one key at a time: span attribute values and query values are
 * flat, so whether a value is censored depends on its key alone (`app.api_key`, `token`), and
 * each key is decided once.
 */
export class SensitiveKeys {
  private readonly decided = new Map<string, boolean>();
  private readonly redact: (value: unknown) => unknown;

  constructor(paths: readonly string[] = []) {
    this.redact = createRedactor({ paths });
  }

  has(key: string): boolean {
    let sensitive = this.decided.get(key);
    if (sensitive === undefined) {
      const probe = this.redact({ [key]: 0 }) as Record<string, unknown>;
      sensitive = probe[key] !== 0;
      if (this.decided.size >= MAX_KEYS) this.decided.clear();
      this.decided.set(key, sensitive);
    }
    return sensitive;
  }
}

const defaultKeys = new SensitiveKeys();

/**
 * A query string (without `?`) with the values of sensitive keys replaced by `REDACTED`, as the
 * HTTP semantic conventions ask for `url.query` and `url.full`.
 */
export function redactQuery(query: string, keys: SensitiveKeys = defaultKeys): string {
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
    out += at >= 0 && keys.has(name) ? `${pair.slice(0, at)}=REDACTED` : pair;
  }
  return out;
}

/** `url` without credentials (`user:password@`) and with sensitive query values redacted. */
export function redactUrl(url: string, keys: SensitiveKeys = defaultKeys): string {
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
  return query ? `${base}?${redactQuery(query, keys)}` : base;
}
