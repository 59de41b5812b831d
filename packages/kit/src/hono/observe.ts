import type {
  Context,
  Env,
  ErrorHandler,
  Handler,
  Hono,
  MiddlewareHandler,
  NotFoundHandler,
  Schema,
} from 'hono';
import { ObsConfigError, type RequestInstrument } from '@obs/core';
import {
  obsContext,
  OPERATIONAL_PATHS,
  requestMiddleware,
  type ObsContextOptions,
  type PathList,
} from '@obs/core/hono';
import type { ErrorsOptions } from '@obs/errors';
import { errorHandler, notFoundHandler, type ErrorHandlerOptions } from '@obs/errors/hono';
import type { HealthOptions } from '@obs/health';
import { healthRoutes, type HealthRoutesOptions } from '@obs/health/hono';
import type { LoggerOptions } from '@obs/logging';
import { requestLoggerInstrument, type RequestLoggerOptions } from '@obs/logging/hono';
import type { MetricsOptions } from '@obs/metrics';
import {
  httpMetricsInstrument,
  metricsHandler,
  type HttpMetricsOptions,
  type MetricsHandlerOptions,
} from '@obs/metrics/hono';
import type { TracingOptions } from '@obs/tracing';
import { tracingInstrument, type TracingMiddlewareOptions } from '@obs/tracing/hono';
import {
  assemble,
  inPart,
  optionsSchema,
  partOptions,
  partSchema,
  validate,
  type Observability,
  type ObservabilityOptions,
  type PartOption,
} from '../observability';

/** Where the kit serves the scrape endpoint, or false to serve it elsewhere (`startMetricsServer`). */
export interface MetricsRouteOptions {
  /** @default '/metrics' */
  path?: string | false;
}

/** The Hono side of the metrics part: `httpMetrics()`, `metricsHandler()` and the route. */
export type MetricsHonoOptions = Omit<HttpMetricsOptions, 'metrics'> &
  Omit<MetricsHandlerOptions, 'metrics'> &
  MetricsRouteOptions;

export interface ObserveOptions extends Pick<ObservabilityOptions, 'service'> {
  /** `obsContext()` from `@obs/core/hono`: request id, client address, user agent. @default true */
  context?: boolean | ObsContextOptions;
  /** `initTracing()` and the `tracing()` middleware's options. @default true */
  tracing?: PartOption<TracingOptions & TracingMiddlewareOptions>;
  /** `createLogger()` and `requestLogger()`'s options. @default true */
  logging?: PartOption<LoggerOptions & Omit<RequestLoggerOptions, 'logger'>>;
  /** `createMetrics()`, `httpMetrics()` and `metricsHandler()`'s options, and the route's `path`. @default true */
  metrics?: PartOption<MetricsOptions & MetricsHonoOptions>;
  /** `createHealth()` and `healthRoutes()`'s options. @default true */
  health?: PartOption<HealthOptions & HealthRoutesOptions>;
  /** `initErrors()` and `errorHandler()`'s options. @default true */
  errors?: PartOption<ErrorsOptions & Omit<ErrorHandlerOptions, 'errors'>>;
}

// The Hono-side option names of each part, split off before the rest goes to the package's
// factory. Typed as complete records, so an option added to a middleware fails the build here.
const TRACING_MIDDLEWARE: Record<keyof TracingMiddlewareOptions, true> = {
  exclude: true,
  responseHeader: true,
  attributes: true,
};
const REQUEST_LOGGER: Record<keyof Omit<RequestLoggerOptions, 'logger'>, true> = {
  skip: true,
  logStart: true,
  headers: true,
};
const METRICS_HONO: Record<keyof MetricsHonoOptions, true> = {
  exclude: true,
  groupStatus: true,
  inFlight: true,
  sizes: true,
  buckets: true,
  extraLabels: true,
  names: true,
  auth: true,
  gzip: true,
  path: true,
};
const CONTEXT: Record<keyof ObsContextOptions, true> = {
  headerName: true,
  trustProxy: true,
  getConnInfo: true,
};
const HEALTH_ROUTES: Record<keyof HealthRoutesOptions, true> = { paths: true, token: true };
const ERROR_HANDLER: Record<keyof Omit<ErrorHandlerOptions, 'errors'>, true> = {
  log: true,
  count: true,
  exposeServerErrors: true,
  typeBase: true,
  maxBodyBytes: true,
};

/** `[the Hono side, the factory's options]` of one part; both undefined when it is off. */
function split<H extends object>(
  value: boolean | object | undefined,
  honoKeys: Record<keyof H, true>,
): [H, Record<string, unknown>] | [undefined, undefined] {
  const options = partOptions<Record<string, unknown>>(value as Record<string, unknown>);
  if (!options) return [undefined, undefined];
  const hono: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(options))
    (Object.hasOwn(honoKeys, key) ? hono : rest)[key] = v;
  return [hono as H, rest];
}

// What no package checks before the kit has used it: the context's keys (obsContext() takes any
// object) and the scrape path (a route, and a path every other part leaves out).
const observeSchema = optionsSchema.extend({
  context: partSchema((options, issue) => {
    for (const key of Object.keys(options))
      if (!Object.hasOwn(CONTEXT, key)) issue(key, 'unknown option');
  }),
  metrics: partSchema((options, issue) => {
    const { path } = options;
    if (path !== undefined && path !== false && (typeof path !== 'string' || !path.startsWith('/')))
      issue('path', "expected a path starting with / (like '/metrics'), or false for no route");
  }),
});

/**
 * Observes a Hono service in one call (seed 003's `setup_monitoring(app, service_name=…)`): adds
 * the request context, a span per request, one log line per request, HTTP RED metrics, `/metrics`,
 * `/health`, `/ready` and `/live`, and problem+json answers for errors and unknown routes, all
 * with one service identity; returns the created objects for the app's own use.
 *
 * **Call it first**, right after `new Hono()` and before the app's own middleware and routes:
 * Hono runs handlers in the order they were added, so a route added before would be answered
 * before the kit sees the request. It throws if the app already has routes.
 *
 * Each part is on by default; `false` switches it off, an object passes the package's own
 * options through (`logging: { level: 'debug', skip: ['/internal*'] }`; a path list is added to
 * the probe and scrape paths every part leaves out, a predicate replaces them). A bad option
 * throws ObsConfigError naming it (`metrics.prefix`), and the app is left as it was. The error
 * handler and not-found handler are set with `app.onError`/`app.notFound`; setting your own
 * afterwards replaces them. Tracing and Sentry are shared with a kit call already live, as
 * `createObservability()` describes.
 *
 * @param app - the Hono app (or OpenAPIHono), with no routes yet.
 * @param options.service - a name, or `{ name, version, environment, instanceId }`. @default env
 * @param options.context - `obsContext()` options, or false. @default true
 * @param options.tracing - `initTracing()` + `tracing()` options, or false. @default true
 * @param options.logging - `createLogger()` + `requestLogger()` options, or false. @default true
 * @param options.metrics - `createMetrics()` + `httpMetrics()` + `metricsHandler()` options and
 * `path` (false: no route), or false. @default true
 * @param options.health - `createHealth()` + `healthRoutes()` options, or false. @default true
 * @param options.errors - `initErrors()` + `errorHandler()` options, or false. @default true
 * @returns `{ service, tracing, errors, logger, metrics, health, shutdown }`.
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { observe } from '@obs/kit/hono';
 *
 * const app = new Hono();
 * const obs = observe(app, { service: 'checkout' });
 * app.get('/orders/:id', (c) => {
 *   c.var.logger.info('loading order'); // carries request_id and trace_id
 *   return c.json({ id: c.req.param('id') });
 * });
 * // on SIGTERM, after the server has drained: await obs.shutdown();
 * ```
 */
export function observe<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
): Observability<Pick<ObserveOptions, 'service'>>;
export function observe<
  O extends ObserveOptions,
  E extends Env = Env,
  S extends Schema = Schema,
  B extends string = string,
>(app: Hono<E, S, B>, options: O): Observability<O>;
export function observe(app: Hono, options: ObserveOptions = {}): Observability {
  validate(observeSchema, options);
  if (app.routes.length > 0) {
    throw new ObsConfigError(
      'app',
      `observe() must come before the app's own middleware and routes, which it would not see (${app.routes.length} already added)`,
    );
  }
  const [tracingMiddleware, tracingOptions] = split<TracingMiddlewareOptions>(
    options.tracing,
    TRACING_MIDDLEWARE,
  );
  const [loggerMiddleware, loggingOptions] = split<Omit<RequestLoggerOptions, 'logger'>>(
    options.logging,
    REQUEST_LOGGER,
  );
  const [metricsHono, metricsOptions] = split<MetricsHonoOptions>(options.metrics, METRICS_HONO);
  const [healthRouteOptions, healthOptions] = split<HealthRoutesOptions>(
    options.health,
    HEALTH_ROUTES,
  );
  const [handlerOptions, errorsOptions] = split<Omit<ErrorHandlerOptions, 'errors'>>(
    options.errors,
    ERROR_HANDLER,
  );

  // install() runs inside: if a middleware refuses its options, what was set up is undone at once.
  return assemble(
    {
      service: options.service,
      tracing: tracingOptions ?? false,
      errors: errorsOptions ?? false,
      logging: loggingOptions ?? false,
      metrics: metricsOptions ?? false,
      health: healthOptions ?? false,
    },
    (obs) => {
      install(app, obs, {
        ...options,
        tracingMiddleware,
        loggerMiddleware,
        metricsHono,
        healthRouteOptions,
        handlerOptions,
      });
    },
  );
}

/** A path list as the user gave it, added to the kit's own; a predicate replaces them. */
function plus(list: PathList | undefined, operational: readonly string[]): PathList {
  if (list === undefined) return operational;
  // Anything else is left for the middleware to refuse, by its option's name.
  return Array.isArray(list) ? [...operational, ...(list as readonly string[])] : list;
}

interface HonoSide {
  context?: ObserveOptions['context'];
  tracingMiddleware: TracingMiddlewareOptions | undefined;
  loggerMiddleware: Omit<RequestLoggerOptions, 'logger'> | undefined;
  metricsHono: MetricsHonoOptions | undefined;
  healthRouteOptions: HealthRoutesOptions | undefined;
  handlerOptions: Omit<ErrorHandlerOptions, 'errors'> | undefined;
}

/** Creates every handler first (each checks its options), then adds them, in request order. */
function install(app: Hono, obs: Observability, side: HonoSide): void {
  // Probe and scrape paths stay out of logs, spans and RED metrics, wherever they are served.
  const { path: metricsPath = '/metrics', auth, gzip, ...httpOptions } = side.metricsHono ?? {};
  const probes = {
    health: '/health',
    ready: '/ready',
    live: '/live',
    ...side.healthRouteOptions?.paths,
  };
  const moved = [
    ...(obs.metrics && metricsPath !== false ? [metricsPath] : []),
    ...(obs.health ? [`${probes.health}*`, probes.ready, probes.live] : []),
  ].filter((p) => !OPERATIONAL_PATHS.includes(p));
  const operational = [...OPERATIONAL_PATHS, ...moved];

  // Every request instrument runs in the one middleware and the one frame of obsContext().
  const instruments: RequestInstrument<Context>[] = [];
  const { tracingMiddleware, loggerMiddleware, handlerOptions } = side;
  if (obs.tracing && tracingMiddleware) {
    const exclude = plus(tracingMiddleware.exclude, operational);
    instruments.push(inPart('tracing', () => tracingInstrument({ ...tracingMiddleware, exclude })));
  }
  const { logger, metrics, errors, health } = obs;
  if (logger && loggerMiddleware) {
    const skip = plus(loggerMiddleware.skip, operational);
    instruments.push(
      inPart('logging', () => requestLoggerInstrument({ ...loggerMiddleware, skip, logger })),
    );
  }
  let scrape: Handler | undefined;
  if (metrics) {
    const exclude = plus(httpOptions.exclude, operational);
    instruments.push(
      inPart('metrics', () => httpMetricsInstrument({ ...httpOptions, exclude, metrics })),
    );
    if (metricsPath !== false)
      scrape = inPart('metrics', () => metricsHandler({ metrics, auth, gzip }));
  }
  const contextOptions = partOptions(side.context);
  let middleware: MiddlewareHandler | undefined;
  if (contextOptions) middleware = inPart('context', () => obsContext(contextOptions, instruments));
  else if (instruments.length > 0) middleware = requestMiddleware(instruments);
  let onError: ErrorHandler | undefined;
  let notFound: NotFoundHandler | undefined;
  if (errors && handlerOptions) {
    onError = inPart('errors', () => errorHandler({ ...handlerOptions, errors }));
    notFound = notFoundHandler({ typeBase: handlerOptions.typeBase });
  }
  const probeRoutes =
    health && inPart('health', () => healthRoutes(health, side.healthRouteOptions));

  if (middleware) app.use(middleware);
  if (onError) app.onError(onError);
  if (notFound) app.notFound(notFound);
  if (scrape && metricsPath !== false) app.get(metricsPath, scrape);
  if (probeRoutes) app.route('/', probeRoutes);
}
