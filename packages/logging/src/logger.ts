// Consumers that compile this source (the apps, through the @obs/source condition) need the
// declaration too; a tsconfig `include` only covers this package.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./on-exit-leak-free.d.ts" />
import { register, unregister } from 'on-exit-leak-free';
import { contextFields, reportInternalError, type Redactor } from '@obs/core';
import { callerAt } from './caller';
import { Gate, type Suppressed } from './gate';
import type { LogDestination } from './destinations/destination';
import { LEVEL_VALUES, type LevelName } from './levels';
import { resolveOptions, type LoggerOptions, type ResolvedOptions } from './options';
import { fieldsJson, quote, stringifyString } from './serialize';

/** Structured fields of one record. An `Error` value anywhere serializes as `{type, message, stack, code?, cause?}`. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Logs one record. `fields` may also be an `Error` (logged as `error`). */
export type LogMethod = (message: string, fields?: LogFields | Error) => void;

export interface Logger {
  readonly trace: LogMethod;
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly fatal: LogMethod;
  /** The `logger` field of this logger's records. */
  readonly name: string;
  /** The lowest level this logger writes (from `level`, or `levels` for its name). */
  readonly level: LevelName;
  /**
   * A logger whose records all carry `bindings` (copied and redacted once: objects here, strings
   * and numbers when it first writes). A `logger` binding renames
   * the child, and its level follows `levels` for the new name.
   */
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: LevelName): boolean;
  /** Writes out everything buffered, in every destination. */
  flush(): Promise<void>;
  /** Flushes and closes the destinations; shared by the logger and all its children. */
  close(): Promise<void>;
  /** Records not written because sampling or a throttle rule held them back. */
  stats(): LoggerStats;
}

export interface LoggerStats {
  sampledOut: number;
  throttled: number;
}

/** Keys every record sets itself; a field of the same name is written as `field_<key>`. */
const RECORD_KEYS = new Set([
  'timestamp',
  'level',
  'message',
  'service',
  'environment',
  'version',
  'logger',
  'pid',
  'hostname',
]);
const CALLER_KEYS = ['module', 'function', 'line'];

const noop: LogMethod = () => undefined;
/** Field names whose redaction decision is remembered (names repeat from record to record). */
const MAX_KEPT_KEYS = 4096;

/** What a logger and all its children share. */
class Shared {
  readonly head: string;
  readonly tail: string;
  readonly reserved: ReadonlySet<string>;
  private lastMs = -1;
  private lastIso = '';
  closed = false;
  readonly gate: Gate | undefined;
  /** Writes the throttle summaries; set by the root logger. */
  summarize: (s: Suppressed) => void = () => undefined;

  constructor(readonly options: ResolvedOptions) {
    const { sampling, throttle } = options;
    this.gate =
      Object.keys(sampling).length > 0 || throttle.length > 0
        ? new Gate(sampling, throttle, (s) => this.summarize(s))
        : undefined;
    const { service } = options;
    this.head = `,"service":${JSON.stringify(service.name)},"environment":${JSON.stringify(service.environment)},"version":${JSON.stringify(service.version)}`;
    this.tail = `,"pid":${process.pid},"hostname":${JSON.stringify(options.hostname)}`;
    this.reserved = new Set([...RECORD_KEYS, ...(options.caller ? CALLER_KEYS : [])]);
    for (const destination of options.destinations) {
      if (destination.flushSync) register(destination, flushOnExit);
    }
  }

  /** ISO 8601 UTC, computed once per millisecond. */
  iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  levelFor(name: string): LevelName {
    const { levels, level } = this.options;
    for (let scope = name; ;) {
      const found = levels.get(scope);
      if (found) return found;
      const dot = scope.lastIndexOf('.');
      if (dot < 0) return level;
      scope = scope.slice(0, dot);
    }
  }

  /** `,"key":value` for each field, redacted, with record keys renamed. */
  fieldsJson(fields: LogFields): string {
    return this.safeJson(this.redacted(fields));
  }

  /** `,"key":value` for each field of fields already redacted. */
  safeJson(safe: LogFields): string {
    return fieldsJson(safe, this.reserved, this.options);
  }

  /** `fields` as the redaction policy leaves them: themselves when it would change nothing. */
  redacted(fields: LogFields): LogFields {
    const { redact } = this.options;
    return !redact || this.keptAsIs(fields, redact) ? fields : (redact(fields) as LogFields);
  }

  /** Per top-level key: whether the redactor keeps a string, number or boolean under it. */
  private readonly keeps = new Map<string, boolean>();

  /**
   * Whether the redactor would return `fields` unchanged, known without its walk and copy: a plain
   * object of strings, numbers, booleans (and absent values) under keys it keeps. Core's redactor
   * decides a non-object value by its key alone (the paths and the censor string), so each key is
   * asked once, with a probe.
   */
  private keptAsIs(fields: LogFields, redact: Redactor): boolean {
    if (Object.getPrototypeOf(fields) !== Object.prototype) return false;
    for (const key in fields) {
      let value: unknown;
      try {
        value = fields[key];
      } catch {
        return false; // a getter that throws: the redactor marks it
      }
      if (value === undefined) continue;
      if (typeof value === 'object' || typeof value === 'function') return false;
      let keep = this.keeps.get(key);
      if (keep === undefined) {
        const probe: Record<string, unknown> = {};
        Object.defineProperty(probe, key, { value: true, enumerable: true });
        keep = (redact(probe) as Record<string, unknown>)[key] === true;
        if (this.keeps.size >= MAX_KEPT_KEYS) this.keeps.clear();
        this.keeps.set(key, keep);
      }
      if (!keep) return false;
    }
    return true;
  }

  write(level: LevelName, time: number, line: string): void {
    const entry = { level, time, line };
    for (const destination of this.options.destinations) {
      destination.write(entry);
      if (exiting) flushOnExit(destination);
    }
  }

  async flush(): Promise<void> {
    await Promise.all(this.options.destinations.map((d) => d.flush()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.gate?.close();
    this.closed = true;
    for (const destination of this.options.destinations) unregister(destination);
    await Promise.all(this.options.destinations.map((d) => d.close()));
  }
}

/**
 * Set by the first flush on exit. Exit handlers the app registered after the logger run after
 * that flush, and nothing flushes again: from then on every record is written through at once.
 */
let exiting = false;

function flushOnExit(destination: LogDestination): void {
  exiting = true;
  try {
    destination.flushSync?.();
  } catch {
    // Exiting: nowhere left to report.
  }
}

const LEVEL_JSON = Object.fromEntries(
  Object.keys(LEVEL_VALUES).map((level) => [level, `","level":"${level}","message":`]),
) as Record<LevelName, string>;

class LoggerImpl implements Logger {
  readonly trace: LogMethod;
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;
  readonly fatal: LogMethod;
  readonly level: LevelName;
  private readonly prefix: string;
  /** The bindings, redacted, and their JSON: made when a record first needs them. */
  private safe: LogFields | undefined;
  private json: string | undefined;
  private keys: readonly string[] | undefined;

  constructor(
    private readonly shared: Shared,
    readonly name: string,
    /** The bindings as given (redacted on first use), or undefined for none. */
    private readonly given: LogFields | undefined,
    /** The parent's level and prefix, when the name is the same. */
    same?: LoggerImpl,
  ) {
    this.level = same ? same.level : shared.levelFor(name);
    this.prefix = same
      ? same.prefix
      : `${shared.head},"logger":${JSON.stringify(name)}${shared.tail}`;
    const threshold = LEVEL_VALUES[this.level];
    const make = (level: LevelName): LogMethod =>
      LEVEL_VALUES[level] < threshold ? noop : this.method(level);
    this.trace = make('trace');
    this.debug = make('debug');
    this.info = make('info');
    this.warn = make('warn');
    this.error = make('error');
    this.fatal = make('fatal');
  }

  /** The bindings, redacted by the logger's policy (a request's logger often writes nothing). */
  private get bindings(): LogFields {
    return (this.safe ??= this.given ? this.shared.redacted(this.given) : {});
  }

  /** The bindings' names, for the records whose fields may override one. */
  private get bindingKeys(): readonly string[] {
    return (this.keys ??= Object.keys(this.bindings));
  }

  /** Takes the copy of the bindings now. */
  freeze(): void {
    this.json = this.bindingsJson;
  }

  private get bindingsJson(): string {
    return (this.json ??= this.given ? this.shared.safeJson(this.bindings) : '');
  }

  private method(level: LevelName): LogMethod {
    const levelJson = LEVEL_JSON[level];
    const emit = (message: string, fields?: LogFields | Error): void => {
      this.emit(level, levelJson, message, fields, true);
    };
    return emit;
  }

  /** Writes a throttle summary: past the gate, at warn, whatever this logger's level. */
  summarize(s: Suppressed): void {
    this.emit(
      'warn',
      '","level":"warn","message":',
      `suppressed ${s.suppressed} records for ${s.key}=${s.value}`,
      {
        throttle_key: s.key,
        throttle_value: s.value,
        suppressed: s.suppressed,
        window_ms: s.windowMs,
      },
      false,
    );
  }

  private emit(
    level: LevelName,
    levelJson: string,
    message: unknown,
    given: LogFields | Error | undefined,
    gated: boolean,
  ) {
    const { shared } = this;
    if (shared.closed) return;
    try {
      let fields: LogFields | undefined = given instanceof Error ? { error: given } : given;
      if (gated && shared.gate && !shared.gate.allow(level, fields, this.bindings)) return;
      let text: string;
      if (typeof message === 'string') {
        text = message;
      } else if (message instanceof Error) {
        text = message.message;
        fields = Object.assign({ error: message }, fields);
      } else {
        text = String(message);
      }

      const { options } = shared;
      const time = Date.now();
      let line = `{"timestamp":"${shared.iso(time)}${levelJson}${stringifyString(text, options)}${this.prefix}`;

      if (options.caller) {
        const site = callerAt(2);
        if (site)
          line += `,"module":${JSON.stringify(site.module)},"function":${JSON.stringify(site.function)},"line":${site.line}`;
      }

      const ctx = contextFields() as Record<string, string>;
      for (const key in ctx) {
        if (key in this.bindings || (fields && key in fields)) continue;
        line += `,"${key}":${quote(ctx[key]!)}`;
      }

      if (!fields) {
        line += this.bindingsJson;
      } else if (this.bindingsJson !== '' && this.bindingKeys.some((key) => key in fields)) {
        // A field overrides a binding of the same name: one key, the call's value.
        line += shared.fieldsJson(Object.assign({}, this.bindings, fields));
      } else {
        line += this.bindingsJson + shared.fieldsJson(fields);
      }
      shared.write(level, time, `${line}}`);
    } catch (err) {
      reportInternalError(err, '@obs/logging');
    }
  }

  child(bindings: LogFields = {}): Logger {
    const { logger, ...rest } = (bindings as LogFields | null) ?? {};
    const name = typeof logger === 'string' && logger !== '' ? logger : this.name;
    const merged = Object.assign({}, this.given && this.bindings, rest);
    const child = new LoggerImpl(this.shared, name, merged, name === this.name ? this : undefined);
    // Objects are copied (and redacted) now, as they are; strings and numbers cannot change, so a
    // request's logger that never writes never pays for them.
    for (const key in merged) {
      const value = merged[key];
      if (typeof value === 'object' && value !== null) {
        child.freeze();
        break;
      }
    }
    return child;
  }

  isLevelEnabled(level: LevelName): boolean {
    return LEVEL_VALUES[level] >= LEVEL_VALUES[this.level];
  }

  flush(): Promise<void> {
    return this.shared.flush();
  }

  close(): Promise<void> {
    return this.shared.close();
  }

  stats(): LoggerStats {
    const gate = this.shared.gate;
    return { sampledOut: gate?.sampledOut ?? 0, throttled: gate?.throttled ?? 0 };
  }
}

/**
 * Creates a structured logger. Every record carries the time, level, message, service identity,
 * logger name, pid and hostname, then the ids of the current request from `@obs/core`'s context
 * (`request_id`, `trace_id`, `span_id`, `user_id`, `workspace_id`, …), then the logger's bindings,
 * then the call's own fields, all redacted by core's policy.
 *
 * @throws ObsConfigError naming the bad option.
 * @example
 * ```ts
 * const logger = createLogger({ service: { name: 'analytics' }, levels: 'db=warn' });
 * logger.info('credits consumed', { agent_id: 'a1', credits: 12 });
 * const db = logger.child({ logger: 'db' }); // writes warn and above only
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const resolved = resolveOptions(options);
  const shared = new Shared(resolved);
  const root = new LoggerImpl(shared, resolved.name, undefined);
  shared.summarize = (s) => root.summarize(s);
  return root;
}
