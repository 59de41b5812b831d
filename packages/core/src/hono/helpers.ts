import type { Context } from 'hono';
import { contentLength } from '../content-length';
import { ObsConfigError } from '../errors';

export { contentLength };

/**
 * Probe and scrape endpoints, and the built-in dashboard (`/_obs`, polling every 2 s), which request
 * logs, spans and metrics leave out by default: they watch the service, they are not its traffic.
 */
export const OPERATIONAL_PATHS: readonly string[] = Object.freeze([
  '/health*',
  '/healthz*',
  '/healthcheck',
  '/ready',
  '/live',
  '/metrics',
  '/_obs*',
]);

/**
 * Paths as options take them: exact (`/ready`), a path and the paths under it ending in `*`
 * (`/health*` is `/health`, `/health/` and `/health/db`, not `/healthcare`), or a predicate.
 */
export type PathList = readonly string[] | ((c: Context) => boolean);

/**
 * Compiles a path list option into a predicate on the request, once, at the factory.
 *
 * @param option - the option's name, for the ObsConfigError.
 * @param value - what the user gave.
 * @param fallback - used when `value` is undefined.
 * @throws ObsConfigError naming `option` when it is neither a list of strings nor a function.
 */
export function pathMatcher(
  option: string,
  value: PathList | undefined,
  fallback: readonly string[],
): (c: Context) => boolean {
  if (typeof value === 'function') return value;
  const list: unknown = value ?? fallback;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new ObsConfigError(
      option,
      'expected an array of paths (exact, or a path and its sub-paths ending in *) or a function',
    );
  }
  // `/health*`: `/health` itself and what lies under `/health/`; `/api/*`: under `/api/` only.
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of list) {
    if (!p.endsWith('*')) exact.add(p);
    else if (p.endsWith('/*')) prefixes.push(p.slice(0, -1));
    else {
      exact.add(p.slice(0, -1));
      prefixes.push(`${p.slice(0, -1)}/`);
    }
  }
  return (c) => {
    const { path } = c.req;
    return exact.has(path) || prefixes.some((p) => path.startsWith(p));
  };
}

/**
 * @hono/node-server answers with a lightweight Response that keeps `[status, body, headers]` under
 * a private symbol until something needs the real one; reading `.headers` builds a Headers object
 * (~6 µs a request under load). The body size is read from that cache when it is there: exact for
 * string and byte bodies, which `c.json()`/`c.text()` responses carry no Content-Length for. Other
 * responses fall back to their `Content-Length`. A stream's size is unknown: `undefined`.
 */
let lightweightCache: symbol | undefined;

/** `[status, body, headers]` of a lightweight @hono/node-server response, else undefined. */
function lightweightParts(res: Response): unknown[] | undefined {
  lightweightCache ??= Object.getOwnPropertySymbols(res).find((s) => s.description === 'cache');
  const cache = lightweightCache && (res as unknown as Record<symbol, unknown>)[lightweightCache];
  return Array.isArray(cache) ? cache : undefined;
}

export function responseBodySize(res: Response): number | undefined {
  const cache = lightweightParts(res);
  if (cache) {
    const body: unknown = cache[1];
    if (typeof body === 'string') return Buffer.byteLength(body);
    if (body instanceof Uint8Array) return body.byteLength;
    return undefined;
  }
  return contentLength(res.headers.get('content-length'));
}

/**
 * The response's own value of header `name` (lower-case), read without building the Headers of a
 * lightweight @hono/node-server response; undefined when it has none.
 */
export function responseHeader(res: Response, name: string): string | undefined {
  const cache = lightweightParts(res);
  if (!cache) return res.headers.get(name) ?? undefined;
  const headers: unknown = cache[2];
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const entries: Iterable<unknown> = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const entry of entries) {
    const [key, value] = entry as [string, unknown];
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
}
