import { trace } from '@opentelemetry/api';
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

const PART_TYPE = "expected true, false or the package's options object";

/**
 * A part's option: a boolean or an options object without `service` (set once, for every part);
 * `check` looks at an object further. Issues name the option path as the user wrote it.
 */
export function partSchema(
  check?: (
    options: Record<string, unknown>,
    issue: (path: string, message: string) => void,
  ) => void,
): z.ZodType {
  return z
    .unknown()
    .superRefine((value, ctx) => {
      if (value === undefined || typeof value === 'boolean') return;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: 'custom', message: PART_TYPE });
        return;
      }
      const issue = (path: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      if (Object.hasOwn(value, 'service'))
        issue('service', 'set the service once, in the top-level service option');
      check?.(value as Record<string, unknown>, issue);
    })
    .optional();
}

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
  tracing: partSchema(),
  errors: partSchema(),
  logging: partSchema(),
  metrics: partSchema(),
  health: partSchema(),
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
const UNKNOWN_KEY = /^Unrecognized keys?: "([^"]+)"/;

/**
 * Runs a part's factory; its ObsConfigError comes out named from the kit's options
 * (`logging.level`, `logging.skp` for an unknown one), unless it names an environment variable,
 * which is already unambiguous.
 */
export function inPart<T>(name: string, make: () => T): T {
  try {
    return make();
  } catch (err) {
    if (!isObsError(err, 'CONFIG_INVALID')) throw err;
    const { option, message } = err as ObsConfigError;
    if (ENV_NAME.test(option)) throw err;
    const problem = message.replace(/^Invalid option "[^"]*": /, '');
    // A factory reports an unknown key on its whole options object: name the key.
    const unknown = option === '(options)' ? UNKNOWN_KEY.exec(problem)?.[1] : undefined;
    if (unknown) throw new ObsConfigError(`${name}.${unknown}`, 'unknown option', { cause: err });
    const path = option === '(options)' ? name : `${name}.${option}`;
    throw new ObsConfigError(path, problem, { cause: err });
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
 * and whatever this call set up is shut down again, so a corrected call starts clean.
 *
 * Tracing and Sentry are one per process. A call made while another kit call is live shares that
 * call's tracing and Sentry client (the last to shut down closes them); tracing set up before by
 * the app's own `initTracing()` is used and never shut down by the kit. Part options that could
 * therefore not be applied are reported through core's internal-error handler.
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
  return assemble(options);
}

/**
 * `createObservability(options)`, then `finish(obs)` (observe's middleware and routes). When
 * either throws, what this call set up is undone before the error leaves (tracing unregisters
 * synchronously), so a corrected call, even right away, starts clean.
 */
export function assemble(
  options: ObservabilityOptions,
  finish?: (obs: Observability) => void,
): Observability {
  validate(optionsSchema, options);
  const given = typeof options.service === 'string' ? { name: options.service } : options.service;
  // Its errors already name the option as written (`service.name`) or the environment variable.
  const service = resolveServiceInfo(given);

  const opened: [PartName, Close][] = [];
  try {
    const tracingOptions = partOptions(options.tracing);
    const tracing = tracingOptions && openTracing(tracingOptions, service, opened);

    const errorsOptions = partOptions(options.errors);
    const errors = errorsOptions && openErrors(errorsOptions, service, opened);

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
    if (logger) opened.push(['logging', () => logger.close()]);

    const metricsOptions = partOptions(options.metrics);
    const metrics =
      metricsOptions && inPart('metrics', () => createMetrics({ ...metricsOptions, service }));
    if (metrics) opened.push(['metrics', () => metrics.shutdown()]);

    const healthOptions = partOptions(options.health);
    const health =
      healthOptions && inPart('health', () => createHealth({ ...healthOptions, service }));
    if (health) opened.push(['health', () => health.close()]);

    const close = (name: PartName) => opened.find(([part]) => part === name)?.[1];
    const obs: Observability = {
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
        const steps: [string, ((timeoutMs: number) => unknown) | undefined][] = [
          [
            'health',
            health &&
              (() => {
                health.ready = false;
                health.close();
              }),
          ],
          ['tracing', close('tracing')],
          ['errors', close('errors')],
          ['logging', close('logging')],
          ['metrics', close('metrics')],
        ];
        for (const [name, step] of steps) {
          try {
            await step?.(2000);
          } catch (err) {
            reportInternalError(err, `@obs/kit: shutdown (${name})`);
          }
        }
      }),
    };
    finish?.(obs);
    return obs;
  } catch (err) {
    // Each close starts here, synchronously (tracing unregisters at once), and ends in the background.
    const report = (closeError: unknown) => reportInternalError(closeError, '@obs/kit: rollback');
    for (const [, close] of opened.reverse()) {
      try {
        void Promise.resolve(close(0)).catch(report);
      } catch (closeError) {
        report(closeError);
      }
    }
    throw err;
  }
}

type Close = (timeoutMs: number) => unknown;

/**
 * A process-wide part (the global tracer provider, the Sentry client) that a kit call created.
 * Later calls use it rather than set up a second one, and the last of them to shut down closes
 * it. Kept on `globalThis`, so two copies of the kit share it too.
 */
interface SharedPart {
  readonly value: unknown;
  holders: number;
  readonly close: Close;
}
type SharedName = 'tracing' | 'errors';
const SHARED = Symbol.for('@obs/kit.shared');
const shared = ((globalThis as unknown as Record<symbol, unknown>)[SHARED] ??= {}) as Partial<
  Record<SharedName, SharedPart>
>;

/** This call's hold on a shared part: releasing the last hold closes the part. */
function hold(name: SharedName, part: SharedPart): Close {
  part.holders += 1;
  let held = true;
  return (timeoutMs) => {
    if (!held) return undefined;
    held = false;
    part.holders -= 1;
    if (part.holders > 0) return undefined;
    if (shared[name] === part) shared[name] = undefined;
    return part.close(timeoutMs);
  };
}

function share(name: SharedName, value: unknown, close: Close): Close {
  const part: SharedPart = { value, holders: 0, close };
  shared[name] = part;
  return hold(name, part);
}

/** Says which options a call could not apply to a part set up before it. */
function notApplied(name: SharedName, options: object, by: string): void {
  const keys = Object.keys(options);
  if (keys.length === 0) return;
  reportInternalError(
    new Error(
      `${name} is already set up in this process (${by}); this call uses it as it is, so these options were not applied: ${keys.join(', ')}`,
    ),
    '@obs/kit',
  );
}

function registeredProvider(): unknown {
  const global = trace.getTracerProvider() as { getDelegate?: () => unknown };
  return global.getDelegate?.() ?? global;
}

/**
 * Tracing for this call: the one a live kit call set up (shared), the app's own `initTracing()`
 * (used, never shut down by the kit), or a new one.
 */
function openTracing(
  options: Omit<TracingOptions, 'service'>,
  service: ServiceInfo,
  opened: [PartName, Close][],
): Tracing {
  const before = registeredProvider();
  // Checks the options, and returns the tracing already set up in this process if there is one.
  const tracing = inPart('tracing', () => initTracing({ ...options, service }));
  const live = shared.tracing;
  if (live?.value === tracing) {
    notApplied('tracing', options, 'by another observe() or createObservability()');
    opened.push(['tracing', hold('tracing', live)]);
  } else if (tracing.provider && tracing.provider === before) {
    notApplied('tracing', options, "by the app's own initTracing()");
  } else {
    const close = () => tracing.shutdown();
    // A disabled tracing holds nothing a later call could share.
    opened.push(['tracing', tracing.provider ? share('tracing', tracing, close) : close]);
  }
  return tracing;
}

/** Error tracking for this call: the Sentry client a live kit call set up (shared), or its own. */
function openErrors(
  options: Omit<ErrorsOptions, 'service'>,
  service: ServiceInfo,
  opened: [PartName, Close][],
): ErrorTracker {
  const live = shared.errors;
  if (live) {
    // A second Sentry.init() would replace the client under the first call's feet.
    notApplied('errors', options, 'by another observe() or createObservability()');
    opened.push(['errors', hold('errors', live)]);
    return live.value as ErrorTracker;
  }
  const errors = inPart('errors', () => initErrors({ ...options, service }));
  const close: Close = (timeoutMs) => errors.close(timeoutMs);
  opened.push(['errors', errors.enabled ? share('errors', errors, close) : close]);
  return errors;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
