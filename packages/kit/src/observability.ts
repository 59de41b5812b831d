import { z } from 'zod';
import {
  configErrorFromIssues,
  isObsError,
  ObsConfigError,
  reportInternalError,
  resolveServiceInfo,
  type ConfigIssue,
  type ServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';
import { initErrors, type ErrorsOptions, type ErrorTracker } from '@obs/errors';
import { createHealth, type Health, type HealthOptions } from '@obs/health';
import {
  createLogger,
  type DestinationOption,
  type Logger,
  type LoggerOptions,
} from '@obs/logging';
import { createMetrics, type Metrics, type MetricsOptions } from '@obs/metrics';
import { initTracing, type Tracing, type TracingOptions } from '@obs/tracing';

/**
 * One part of the kit: `true` or left out for the package's defaults, `false` for none of it, or
 * the package's own options. `service` is not among them: it is set once, for every part.
 */
export type PartOption<T> = boolean | Omit<T, 'service'>;

export interface ObservabilityOptions {
  /**
   * The service's identity on every signal: its name, or `{ name, version, environment,
   * instanceId }`.
   * @default core's `resolveServiceInfo()`: env `OTEL_SERVICE_NAME`, `APP_VERSION`, `ENVIRONMENT`…
   */
  service?: string | ServiceInfoOptions;
  /** `initTracing()` from `@obs/tracing`. @default on (exporter from env, else spans stay in-process) */
  tracing?: PartOption<TracingOptions>;
  /** `initErrors()` from `@obs/errors` (Sentry). @default on (a no-op without `SENTRY_DSN`) */
  errors?: PartOption<ErrorsOptions>;
  /** `createLogger()` from `@obs/logging`. @default on (JSON to stdout) */
  logging?: PartOption<LoggerOptions>;
  /** `createMetrics()` from `@obs/metrics`. @default on */
  metrics?: PartOption<MetricsOptions>;
  /** `createHealth()` from `@obs/health`. @default on (no checks until you register some) */
  health?: PartOption<HealthOptions>;
}

export type PartName = 'tracing' | 'errors' | 'logging' | 'metrics' | 'health';

/** What a part's option makes of `T`: nothing when switched off, maybe nothing when it may be. */
export type Made<O, K extends PartName, T> = K extends keyof O
  ? [O[K]] extends [false]
    ? undefined
    : false extends O[K]
      ? T | undefined
      : T
  : T;

/** The created objects; a part switched off is `undefined`. */
export interface Observability<O = ObservabilityOptions> {
  /** The resolved identity every part was given. */
  readonly service: ServiceInfo;
  /** Its `tracer` starts spans; `memory` holds them with `exporter: 'memory'`. */
  readonly tracing: Made<O, 'tracing', Tracing>;
  readonly errors: Made<O, 'errors', ErrorTracker>;
  readonly logger: Made<O, 'logging', Logger>;
  /** Create your business metrics here: they share the registry `/metrics` serves. */
  readonly metrics: Made<O, 'metrics', Metrics>;
  /** Register your dependency checks here (`health.register('database', sqlCheck(…))`). */
  readonly health: Made<O, 'health', Health>;
  /**
   * Flushes and closes every part, each once, in an order that loses nothing: health stops,
   * then spans are exported, error events sent, logs written and metrics released. Never
   * rejects: a part that fails to close is reported through core's internal-error handler. Safe
   * to call more than once, and to pass around (`hooks: [{ name: 'telemetry', run: obs.shutdown }]`).
   */
  readonly shutdown: () => Promise<void>;
}

export const partSchema = z.custom<boolean | object>(
  (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
  "expected true, false or the package's options object",
);

const serviceSchema = z.union(
  [
    z.string().trim().min(1),
    z.strictObject({
      name: z.string().optional(),
      version: z.string().optional(),
      environment: z.string().optional(),
      instanceId: z.string().optional(),
    }),
  ],
  { error: 'expected a service name or { name, version, environment, instanceId }' },
);

export const optionsSchema = z.strictObject({
  service: serviceSchema.optional(),
  tracing: partSchema.optional(),
  errors: partSchema.optional(),
  logging: partSchema.optional(),
  metrics: partSchema.optional(),
  health: partSchema.optional(),
});

/** Validates `options` against `schema`; a bad or unknown option throws ObsConfigError naming it. */
export function validate(schema: z.ZodType, options: unknown): void {
  const parsed = schema.safeParse(options);
  if (parsed.success) return;
  const issues: ConfigIssue[] = parsed.error.issues.map((issue) =>
    // An unknown key is reported on its parent; name the key itself.
    issue.code === 'unrecognized_keys'
      ? { path: [...issue.path, issue.keys[0]!], message: 'unknown option' }
      : issue,
  );
  throw configErrorFromIssues(issues);
}

/** The options of a part that is on (an object), or undefined when it is off. */
export function partOptions<T extends object>(value: boolean | T | undefined): T | undefined {
  if (value === false) return undefined;
  return value === true || value === undefined ? ({} as T) : value;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Runs a part's factory; its ObsConfigError comes out named from the kit's options
 * (`logging.level`), unless it names an environment variable, which is already unambiguous.
 */
export function inPart<T>(name: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (!isObsError(err, 'CONFIG_INVALID')) throw err;
    const { option, message } = err as ObsConfigError;
    if (ENV_NAME.test(option)) throw err;
    const problem = message.replace(/^Invalid option "[^"]*": /, '');
    throw new ObsConfigError(`${name}.${option}`, problem, { cause: err });
  }
}

function destinations(value: LoggerOptions['destination']): DestinationOption[] {
  if (value === undefined) return ['stdout'];
  return Array.isArray(value) ? value : [value];
}

/**
 * Creates every @obs part a service needs, framework-free, in the order they depend on each
 * other: tracing first (Sentry then finds its provider and tags events with its trace ids),
 * errors, the logger (whose warnings travel to Sentry as breadcrumbs when a DSN is set), metrics
 * and health, all with one service identity. For a Hono app, `observe(app, options)` from
 * `@obs/kit/hono` calls this and adds the middleware and routes too.
 *
 * Options are checked here, once: a bad one throws ObsConfigError naming it (`logging.level`),
 * and whatever was already set up is shut down again, so a corrected call starts clean.
 *
 * @param options.service - a name, or `{ name, version, environment, instanceId }`. @default env
 * @param options.tracing - `initTracing` options, or false. @default true
 * @param options.errors - `initErrors` options, or false. @default true
 * @param options.logging - `createLogger` options, or false. @default true
 * @param options.metrics - `createMetrics` options, or false. @default true
 * @param options.health - `createHealth` options, or false. @default true
 * @example
 * ```ts
 * // A queue worker: no HTTP, the same signals.
 * const obs = createObservability({ service: 'billing-worker', health: false });
 * const jobs = obs.metrics.counter({ name: 'jobs_total', help: 'Jobs run', labelNames: ['status'] });
 * process.once('SIGTERM', () => void obs.shutdown().then(() => process.exit(0)));
 * ```
 */
export function createObservability(): Observability<Pick<ObservabilityOptions, 'service'>>;
export function createObservability<O extends ObservabilityOptions>(options: O): Observability<O>;
export function createObservability(options: ObservabilityOptions = {}): Observability {
  validate(optionsSchema, options);
  const given = typeof options.service === 'string' ? { name: options.service } : options.service;
  const service = inPart('service', () => resolveServiceInfo(given));

  const opened: { close: () => unknown }[] = [];
  try {
    const tracingOptions = partOptions(options.tracing);
    const tracing =
      tracingOptions && inPart('tracing', () => initTracing({ ...tracingOptions, service }));
    if (tracing) opened.push({ close: () => tracing.shutdown() });

    const errorsOptions = partOptions(options.errors);
    const errors =
      errorsOptions && inPart('errors', () => initErrors({ ...errorsOptions, service }));
    if (errors) opened.push({ close: () => errors.close(0) });

    const loggingOptions = partOptions(options.logging);
    const logger =
      loggingOptions &&
      inPart('logging', () =>
        createLogger({
          ...loggingOptions,
          service,
          // The last lines before an error travel with it; only worth the cost when Sentry sends.
          destination: errors?.enabled
            ? [...destinations(loggingOptions.destination), errors.breadcrumbs]
            : loggingOptions.destination,
        }),
      );
    if (logger) opened.push({ close: () => logger.close() });

    const metricsOptions = partOptions(options.metrics);
    const metrics =
      metricsOptions && inPart('metrics', () => createMetrics({ ...metricsOptions, service }));
    if (metrics) opened.push({ close: () => metrics.shutdown() });

    const healthOptions = partOptions(options.health);
    const health =
      healthOptions && inPart('health', () => createHealth({ ...healthOptions, service }));

    return {
      service,
      tracing,
      errors,
      logger,
      metrics,
      health,
      shutdown: once(async () => {
        // Stop producing, then flush what carries telemetry away: spans and error events go
        // over the network; logs close after them, so anything logged meanwhile is written;
        // metrics last, so a scrape during the drain still sees every series.
        const steps: [string, (() => unknown) | undefined][] = [
          [
            'health',
            health &&
              (() => {
                health.ready = false;
                health.close();
              }),
          ],
          ['tracing', tracing && (() => tracing.shutdown())],
          ['errors', errors && (() => errors.close(2000))],
          ['logging', logger && (() => logger.close())],
          ['metrics', metrics && (() => metrics.shutdown())],
        ];
        for (const [name, step] of steps) {
          try {
            await step?.();
          } catch (err) {
            reportInternalError(err, `@obs/kit: shutdown (${name})`);
          }
        }
      }),
    };
  } catch (err) {
    // Tracing registers a global provider: undo what was set up, so a corrected call starts clean.
    // Called at once (tracing unregisters synchronously), finished in the background.
    for (const { close } of opened.reverse()) {
      const report = (closeError: unknown) => reportInternalError(closeError, '@obs/kit: rollback');
      try {
        void Promise.resolve(close()).catch(report);
      } catch (closeError) {
        report(closeError);
      }
    }
    throw err;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
