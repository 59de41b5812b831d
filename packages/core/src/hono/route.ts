import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * The route template that answered the request (`/api/v1/workspaces/:id`), never the raw path, so
 * it is safe as a metric label, span name or log field. `undefined` when no route matched (the
 * answer came from a middleware or the not-found handler): callers give all of those one value.
 * Call it after `await next()`.
 *
 * @example
 * ```ts
 * app.use(async (c, next) => {
 *   await next();
 *   console.log(routeTemplate(c) ?? 'unmatched');
 * });
 * ```
 */
export function routeTemplate(c: Context): string | undefined {
  const route = matchedRoutes(c)[c.req.routeIndex];
  // Middleware takes (c, next); a handler that answered takes (c) only.
  if (!route || route.handler.length >= 2) return undefined;
  return route.path;
}
