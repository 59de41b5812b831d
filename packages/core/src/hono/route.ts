import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * The route template of the request (`/api/v1/workspaces/:id`), never the raw path, so it is safe
 * as a metric label, span name or log field: the route whose handler answered, or, when a
 * middleware answered first (an auth check's 401, a validator's 422), the route whose handler was
 * next in line. `undefined` when no route's handler matched (the not-found handler answered):
 * callers give all of those one value. Call it after `await next()`.
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
  const routes = matchedRoutes(c);
  // Middleware takes (c, next); a handler takes (c) only. Middleware runs before the handlers
  // it matched with, so the first handler from the current position is the request's route.
  for (let i = c.req.routeIndex; i < routes.length; i++) {
    const route = routes[i]!;
    if (route.handler.length < 2) return route.path;
  }
  return undefined;
}
