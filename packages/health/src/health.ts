import { z } from 'zod';
import {
  configErrorFromIssues,
  createRedactor,
  ObsConfigError,
  redactCredentials,
  reportInternalError,
  resolveServiceInfo,
  type ServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What a check may return: a boolean, a status with details, or throw (unhealthy). */
export type CheckOutcome =
  boolean | { status: HealthStatus; details?: Record<string, unknown>; error?: string };

export type HealthCheck = () => CheckOutcome | Promise<CheckOutcome>;

export interface CheckOptions {
  /** An unhealthy critical check makes the service unhealthy (and not ready). @default true */
  critical?: boolean;
  /** @default 2000 */
  timeoutMs?: number;
  /** Reuse a result this fresh instead of running the check again. @default 0 */
  cacheMs?: number;
  tags?: string[];
}

export interface CheckResult {
  status: HealthStatus;
  latency_ms: number;
  details?: Record<string, unknown>;
  /** A message, redacted; never a stack trace. */
  error?: string;
  critical: boolean;
  /** When the check last ran (ISO 8601). */
  checked_at: string;
}

export interface HealthReport {
  status: HealthStatus;
  timestamp: string;
  service: string;
  version: string;
  environment: string;
  uptime_seconds: number;
  duration_ms: number;
  checks: Record<string, CheckResult>;
}

export interface HealthOptions {
  service?: ServiceInfoOptions;
  /** Run every check on this interval in the background and serve the last results. @default off */
  backgroundIntervalMs?: number;
  /** Called with every fresh result, e.g. to export `health_check_status{check}`. */
  onResult?: (name: string, result: CheckResult) => void;
}

export interface Health {
  register(name: string, check: HealthCheck, options?: CheckOptions): void;
  unregister(name: string): boolean;
  /** Runs one check (respecting its cache and any run in flight). */
  run(name: string): Promise<CheckResult>;
  /** Runs every check (or those `filter` keeps) concurrently and aggregates them. */
  report(
    filter?: (name: string, options: Required<CheckOptions>) => boolean,
  ): Promise<HealthReport>;
  readonly names: readonly string[];
  /** False while starting or draining: readiness answers 503. */
  ready: boolean;
  /** Stops the background runs. */
  close(): void;
}

interface Entry {
  check: HealthCheck;
  options: Required<CheckOptions>;
  last?: CheckResult;
  lastAt: number;
  inFlight?: Promise<CheckResult>;
  /** The check's own call, until it settles (it may outlive a timed-out run). */
  pending?: Promise<CheckOutcome>;
}

const checkOptions = z
  .object({
    critical: z.boolean().optional(),
    timeoutMs: z.number().int().positive().optional(),
    cacheMs: z.number().int().nonnegative().optional(),
    tags: z.array(z.string()).optional(),
  })
  .strict();

const healthOptions = z
  .object({
    service: z.record(z.string(), z.string().optional()).optional(),
    backgroundIntervalMs: z.number().int().positive().optional(),
    onResult: z.function().optional(),
  })
  .strict();

const redact = createRedactor();

/** An error as a report may show it: its message only, passwords in URLs removed. */
export function errorMessage(err: unknown): string {
  let message: string;
  try {
    message = err instanceof Error ? err.message : String(err);
  } catch {
    message = Object.prototype.toString.call(err); // a value whose toString throws
  }
  return redactCredentials(message).slice(0, 500);
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * The service's status from its checks: any critical check unhealthy → unhealthy; a non-critical
 * one unhealthy, or any degraded → degraded; otherwise healthy (also with no checks at all).
 */
export function aggregate(
  results: readonly Pick<CheckResult, 'status' | 'critical'>[],
): HealthStatus {
  let status: HealthStatus = 'healthy';
  for (const r of results) {
    const effective: HealthStatus = r.status === 'unhealthy' && !r.critical ? 'degraded' : r.status;
    if (RANK[effective] > RANK[status]) status = effective;
  }
  return status;
}

function normalize(value: CheckOutcome): Pick<CheckResult, 'status' | 'details' | 'error'> {
  const outcome = value as unknown; // JavaScript checks may return anything
  if (typeof outcome === 'boolean') return { status: outcome ? 'healthy' : 'unhealthy' };
  const given = outcome as Partial<Exclude<CheckOutcome, boolean>> | null | undefined;
  if (given?.status !== undefined && Object.hasOwn(RANK, given.status)) {
    const out: Pick<CheckResult, 'status' | 'details' | 'error'> = { status: given.status };
    if (given.details) out.details = redact(given.details) as Record<string, unknown>;
    if (given.error) out.error = errorMessage(given.error);
    return out;
  }
  return { status: 'unhealthy', error: 'check returned neither a boolean nor { status }' };
}

/**
 * A registry of health checks that holds up under probe load: checks run concurrently, each
 * bounded by its timeout; concurrent runs of one check share a single execution; `cacheMs` reuses
 * a fresh result; an optional background mode runs checks on an interval. Seed 003's
 * `@register_health_check("database")` is `health.register('database', check)`.
 *
 * @example
 * ```ts
 * const health = createHealth({ service: { name: 'analytics' } });
 * health.register('database', sqlCheck(() => pool.query('SELECT 1')), { cacheMs: 5000 });
 * health.register('cache', redisCheck(redis), { critical: false });
 * ```
 */
export function createHealth(options: HealthOptions = {}): Health {
  const parsed = healthOptions.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const service: ServiceInfo = resolveServiceInfo(options.service);
  const entries = new Map<string, Entry>();
  const started = Date.now();

  const execute = async (name: string, entry: Entry): Promise<CheckResult> => {
    const begin = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let partial: Pick<CheckResult, 'status' | 'details' | 'error'>;
    try {
      // One call of the check at a time: a hung check is waited on again by the next probe,
      // never called again on top of itself (a hung database query would take a pool slot each).
      entry.pending ??= Promise.resolve()
        .then(entry.check)
        .finally(() => {
          entry.pending = undefined;
        });
      const outcome = await Promise.race([
        entry.pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`timed out after ${entry.options.timeoutMs} ms`)),
            entry.options.timeoutMs,
          );
          timer.unref();
        }),
      ]);
      partial = normalize(outcome);
    } catch (err) {
      partial = { status: 'unhealthy', error: errorMessage(err) };
    } finally {
      clearTimeout(timer);
    }
    const result: CheckResult = {
      ...partial,
      latency_ms: Math.round((performance.now() - begin) * 100) / 100,
      critical: entry.options.critical,
      checked_at: new Date().toISOString(),
    };
    entry.last = result;
    entry.lastAt = performance.now(); // monotonic: a clock step cannot keep a stale result
    try {
      options.onResult?.(name, result);
    } catch (err) {
      reportInternalError(err, '@obs/health: onResult');
    }
    return result;
  };

  const run = (name: string): Promise<CheckResult> => {
    const entry = entries.get(name);
    if (!entry) return Promise.reject(new ObsConfigError('name', `no check named "${name}"`));
    if (entry.last && performance.now() - entry.lastAt < entry.options.cacheMs)
      return Promise.resolve(entry.last);
    if (background && entry.last) return Promise.resolve(entry.last);
    // Single flight: every caller during a run waits for that run.
    entry.inFlight ??= execute(name, entry).finally(() => {
      entry.inFlight = undefined;
    });
    return entry.inFlight;
  };

  let background: NodeJS.Timeout | undefined;
  const runAll = () => {
    for (const [name, entry] of entries)
      if (!entry.inFlight)
        entry.inFlight = execute(name, entry).finally(() => {
          entry.inFlight = undefined;
        });
  };
  if (options.backgroundIntervalMs) {
    background = setInterval(runAll, options.backgroundIntervalMs);
    background.unref();
  }

  const health: Health = {
    ready: true,
    get names() {
      return [...entries.keys()];
    },
    register(name, check, opts = {}) {
      if (typeof name !== 'string' || name === '')
        throw new ObsConfigError('name', 'expected a non-empty string');
      if (typeof check !== 'function') throw new ObsConfigError('check', 'expected a function');
      const o = checkOptions.safeParse(opts);
      if (!o.success) throw configErrorFromIssues(o.error.issues);
      entries.set(name, {
        check,
        lastAt: 0,
        options: {
          critical: o.data.critical ?? true,
          timeoutMs: o.data.timeoutMs ?? 2000,
          cacheMs: o.data.cacheMs ?? 0,
          tags: o.data.tags ?? [],
        },
      });
      if (background) runAll();
    },
    unregister: (name) => entries.delete(name),
    run,
    async report(filter) {
      const begin = performance.now();
      const names = [...entries]
        .filter(([name, entry]) => !filter || filter(name, entry.options))
        .map(([name]) => name);
      const results = await Promise.all(names.map((name) => run(name)));
      const checks: Record<string, CheckResult> = {};
      names.forEach((name, i) => (checks[name] = results[i]!));
      return {
        status: aggregate(results),
        timestamp: new Date().toISOString(),
        service: service.name,
        version: service.version,
        environment: service.environment,
        uptime_seconds: Math.round((Date.now() - started) / 1000),
        duration_ms: Math.round((performance.now() - begin) * 100) / 100,
        checks,
      };
    },
    close() {
      clearInterval(background);
      background = undefined;
    },
  };
  return health;
}
