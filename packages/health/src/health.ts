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

/**
 * A check. The registry passes a signal that aborts when the call times out: a check that hands it
 * to its I/O (`fetch(url, { signal })`) ends there, so the next run can call it afresh.
 */
export type HealthCheck = (signal?: AbortSignal) => CheckOutcome | Promise<CheckOutcome>;

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
  /** Calls that timed out and have not settled (they ignored the abort). */
  abandoned: number;
}

/**
 * How many timed-out calls of one check may still hang while it is called afresh: one (a single
 * stuck query does not keep the service unready), and no more (a dependency that hangs every call
 * does not take a pool slot per probe).
 */
const MAX_ABANDONED = 1;

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

const redactKeys = createRedactor();

/** Credentials in the strings of a redacted copy: URL passwords, sensitive query values. */
function redactStrings(value: unknown): unknown {
  if (typeof value === 'string') return redactCredentials(value);
  if (Array.isArray(value)) return value.map(redactStrings);
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // dates and the like
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]));
}

/**
 * Details as a report may show them: core's policy by key (`password`, `api_key`, …), then the
 * free text of every string value (`postgres://app:pw@db` under a key like `dsn`).
 */
function redactDetails(details: Record<string, unknown>): Record<string, unknown> {
  // The redactor's copy is a tree (cycles cut, depth and size bounded), so this walk ends.
  return redactStrings(redactKeys(details)) as Record<string, unknown>;
}

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
    if (given.details) out.details = redactDetails(given.details);
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

  /**
   * One call of the check, bounded by its timeout. A call that times out is aborted (the signal)
   * and abandoned: the next run calls afresh. Calls that ignore the abort keep hanging; past
   * MAX_ABANDONED of them the check is not called again until one settles, and runs say so at once
   * instead of waiting.
   */
  const call = async (entry: Entry): Promise<Pick<CheckResult, 'status' | 'details' | 'error'>> => {
    const { timeoutMs } = entry.options;
    if (entry.abandoned > MAX_ABANDONED)
      return {
        status: 'unhealthy',
        error: `${entry.abandoned} calls timed out after ${timeoutMs} ms and are still outstanding; not called again until one settles`,
      };
    const controller = new AbortController();
    const timedOut = new Error(`timed out after ${timeoutMs} ms`);
    let pending: Promise<CheckOutcome>;
    try {
      pending = Promise.resolve(entry.check(controller.signal));
    } catch (err) {
      return { status: 'unhealthy', error: errorMessage(err) };
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(timedOut), timeoutMs);
          timer.unref();
        }),
      ]);
      return normalize(outcome);
    } catch (err) {
      if (err === timedOut) {
        entry.abandoned++;
        const settled = () => {
          entry.abandoned--;
        };
        pending.then(settled, settled);
        controller.abort(timedOut);
      }
      return { status: 'unhealthy', error: errorMessage(err) };
    } finally {
      clearTimeout(timer);
    }
  };

  const execute = async (name: string, entry: Entry): Promise<CheckResult> => {
    const begin = performance.now();
    const partial = await call(entry);
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
        abandoned: 0,
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
