import { hostname } from 'node:os';
import { z } from 'zod';
import {
  configErrorFromIssues,
  createRedactor,
  isObsError,
  ObsConfigError,
  resolveServiceInfo,
  type Redactor,
  type ServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';
import type { LogDestination } from './destinations/destination';
import { fileDestination, stdoutDestination, StreamDestination } from './destinations/stream';
import { isWinstonTransport, winstonDestination } from './destinations/winston';
import type { SamplingOptions, ThrottleRule } from './gate';
import { LEVELS, parseLevel, type LevelName } from './levels';
import type TransportStream from 'winston-transport';

/** A destination given by name, by file path, as an object, or as winston transports. */
export type DestinationOption =
  'stdout' | 'stderr' | (string & {}) | LogDestination | TransportStream;

export interface LoggerOptions {
  /** Service identity on every record. @default from `@obs/core`'s `resolveServiceInfo` (env) */
  service?: ServiceInfoOptions;
  /** The `logger` field of this logger's records; children can rename with `child({ logger })`. @default 'app' */
  name?: string;
  /** The lowest level written. @default env `LOG_LEVEL`, else `'info'` */
  level?: LevelName;
  /**
   * Levels per logger name, to quiet chatty parts: `{ db: 'warn' }` or `'db=warn,http=info'`.
   * A name also covers its dotted children (`db` covers `db.pool`).
   * @default env `LOG_LEVELS`
   */
  levels?: Record<string, LevelName> | string;
  /**
   * How stdout and file-path destinations write: JSON lines, or one colored line per record for
   * a terminal.
   * @default env `LOG_FORMAT`, else `'pretty'` in development on a terminal, else `'json'`
   */
  format?: 'json' | 'pretty';
  /** Redaction (core's policy, its default list on), or `false` to turn it off. @default {} */
  redact?: false | { paths?: string[]; censor?: string; defaults?: boolean };
  /** Where records go: one or several. @default 'stdout' */
  destination?: DestinationOption | DestinationOption[];
  /**
   * Keep probabilities for `trace`, `debug` and `info` (0–1); decided per request id, so a kept
   * request keeps all its lines. warn and above are never sampled. @default keep everything
   */
  sampling?: SamplingOptions;
  /** Per-key rate limits, e.g. `[{ key: 'workspace_id', limit: 10, levels: ['error'] }]`. */
  throttle?: ThrottleRule[];
  /** Add `module`, `function` and `line` of the call site (costs a stack capture). @default false */
  caller?: boolean;
  /** Longer strings are cut, with a marker. @default 10_000 */
  maxStringLength?: number;
  /** Deeper objects are replaced by `"[Object]"`. @default 10 */
  maxDepth?: number;
}

const level = z.enum(LEVELS);

const schema = z.strictObject({
  service: z
    .strictObject({
      name: z.string().optional(),
      version: z.string().optional(),
      environment: z.string().optional(),
      instanceId: z.string().optional(),
    })
    .optional(),
  name: z.string().min(1).optional(),
  level: level.optional(),
  // Checked by hand below, so an error can name the bad entry (a union would not).
  levels: z.unknown().optional(),
  format: z.enum(['json', 'pretty']).optional(),
  redact: z
    .union([
      z.literal(false),
      z.strictObject({
        paths: z.array(z.string()).optional(),
        censor: z.string().optional(),
        defaults: z.boolean().optional(),
      }),
    ])
    .optional(),
  destination: z.unknown().optional(),
  sampling: z
    .strictObject({
      trace: z.number().min(0).max(1).optional(),
      debug: z.number().min(0).max(1).optional(),
      info: z.number().min(0).max(1).optional(),
    })
    .optional(),
  throttle: z
    .array(
      z.strictObject({
        key: z.string().min(1),
        limit: z.number().int().min(1),
        windowMs: z.number().int().min(1).optional(),
        levels: z.array(level).optional(),
      }),
    )
    .optional(),
  caller: z.boolean().optional(),
  maxStringLength: z.number().int().min(16).optional(),
  maxDepth: z.number().int().min(1).max(100).optional(),
});

/** Everything a logger needs, resolved once at creation. */
export interface ResolvedOptions {
  readonly service: ServiceInfo;
  readonly hostname: string;
  readonly name: string;
  readonly level: LevelName;
  readonly levels: ReadonlyMap<string, LevelName>;
  readonly redact: Redactor | undefined;
  readonly destinations: readonly LogDestination[];
  readonly sampling: SamplingOptions;
  readonly throttle: readonly ThrottleRule[];
  readonly caller: boolean;
  readonly maxStringLength: number;
  readonly maxDepth: number;
}

function fail(option: string, message: string): never {
  throw configErrorFromIssues([{ path: [option], message }]);
}

export function parseLevels(spec: string, option = 'levels'): Map<string, LevelName> {
  const out = new Map<string, LevelName>();
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const [name, value, ...rest] = part.split('=');
    const parsed = value === undefined ? undefined : parseLevel(value);
    if (!name?.trim() || !parsed || rest.length > 0) {
      fail(option, `expected "name=level,…" with levels ${LEVELS.join('/')}, got "${part.trim()}"`);
    }
    out.set(name.trim(), parsed);
  }
  return out;
}

function resolveLevels(spec: unknown): Map<string, LevelName> {
  if (spec === undefined) return new Map();
  if (typeof spec === 'string') return parseLevels(spec);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    fail('levels', 'expected { name: level } or "name=level,…"');
  }
  const out = new Map<string, LevelName>();
  for (const [name, value] of Object.entries(spec)) {
    const parsed = typeof value === 'string' ? parseLevel(value) : undefined;
    if (!parsed) fail(`levels.${name}`, `expected one of ${LEVELS.join(', ')}`);
    out.set(name, parsed);
  }
  return out;
}

function isDestination(value: unknown): value is LogDestination {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LogDestination).write === 'function' &&
    typeof (value as LogDestination).flush === 'function' &&
    typeof (value as LogDestination).close === 'function'
  );
}

function resolveDestinations(value: unknown, format: 'json' | 'pretty'): LogDestination[] {
  const items = Array.isArray(value) ? (value as unknown[]) : [value ?? 'stdout'];
  if (items.length === 0) fail('destination', 'expected at least one destination');
  const out: LogDestination[] = [];
  const winstonTransports: TransportStream[] = [];
  items.forEach((item, i) => {
    if (item === 'stdout') out.push(stdoutDestination({ format }));
    else if (item === 'stderr') out.push(new StreamDestination(2, { format }));
    else if (typeof item === 'string' && item !== '')
      out.push(fileDestination({ path: item, format }));
    else if (isWinstonTransport(item)) winstonTransports.push(item);
    else if (isDestination(item)) out.push(item);
    else {
      fail(
        Array.isArray(value) ? `destination.${i}` : 'destination',
        "expected 'stdout', 'stderr', a file path, a destination or a winston transport",
      );
    }
  });
  if (winstonTransports.length > 0) out.push(winstonDestination({ transports: winstonTransports }));
  return out;
}

function redactorFor(options: Parameters<typeof createRedactor>[0]): Redactor {
  try {
    return createRedactor(options);
  } catch (err) {
    if (isObsError(err, 'CONFIG_INVALID')) {
      throw new ObsConfigError(`redact.${(err as ObsConfigError).option}`, err.message, {
        cause: err,
      });
    }
    throw err;
  }
}

export function resolveOptions(
  options: LoggerOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const o = parsed.data;
  const service = resolveServiceInfo(o.service, env);

  let defaultLevel = o.level;
  if (!defaultLevel && env.LOG_LEVEL) {
    defaultLevel =
      parseLevel(env.LOG_LEVEL) ??
      fail('level', `LOG_LEVEL="${env.LOG_LEVEL}" is not one of ${LEVELS.join(', ')}`);
  }

  const levels = resolveLevels(o.levels ?? env.LOG_LEVELS);

  let format = o.format;
  if (!format && env.LOG_FORMAT) {
    format =
      env.LOG_FORMAT === 'json' || env.LOG_FORMAT === 'pretty'
        ? env.LOG_FORMAT
        : fail('format', `LOG_FORMAT="${env.LOG_FORMAT}" is not "json" or "pretty"`);
  }
  format ??= service.environment === 'development' && process.stdout.isTTY ? 'pretty' : 'json';
  const destinations = resolveDestinations(o.destination, format);
  for (const destination of destinations) destination.useService?.(service);

  return {
    service,
    hostname: hostname(),
    name: o.name ?? 'app',
    level: defaultLevel ?? 'info',
    levels,
    redact: o.redact === false ? undefined : redactorFor(o.redact ?? {}),
    destinations,
    sampling: o.sampling ?? {},
    throttle: o.throttle ?? [],
    caller: o.caller ?? false,
    maxStringLength: o.maxStringLength ?? 10_000,
    maxDepth: o.maxDepth ?? 10,
  };
}
