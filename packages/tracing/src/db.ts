import { SpanKind, type Attributes } from '@opentelemetry/api';
import { withSpan } from './spans';

export interface DbSpanOptions {
  /** `db.system.name`: 'sqlite', 'postgresql', 'redis', … */
  system: string;
  /** `db.operation.name`: 'SELECT', 'INSERT', 'GET', … @default the statement's first word */
  operation?: string;
  /** `db.query.text`, recorded with its literals replaced by `?`. */
  statement?: string;
  /** `db.collection.name`: the table or key space. */
  collection?: string;
  /** `db.namespace`: the database name. */
  namespace?: string;
  attributes?: Attributes;
}

/**
 * Comments, string literals (with '' or backslash escapes, E'' and N'' prefixes), dollar-quoted
 * bodies (tagged too), double-quoted strings (identifiers in PostgreSQL, strings in MySQL and
 * SQLite: both replaced, as they may be data), and numbers (decimal, hex, binary, with _).
 */
const LITERALS =
  /--[^\n]*|\/\*[\s\S]*?\*\/|(?:\b[EN])?'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$|(?<![\w$.])(?:0x[0-9a-f]+|0b[01]+|\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?)\b/gi;

/**
 * A statement with its literal values replaced by `?` (strings, numbers, hex, dollar-quoted
 * bodies), so `db.query.text` carries the query's shape and never its data: no user's email in a
 * span. Identifiers in double quotes are kept.
 */
/** Systems where "…" quotes identifiers (kept); elsewhere (MySQL, SQLite) it may be a string. */
const QUOTED_IDENTIFIERS = new Set(['postgresql', 'oracle', 'db2', 'mssql', 'cockroachdb']);

export function sanitizeSql(statement: string, system?: string): string {
  const keepQuoted = system !== undefined && QUOTED_IDENTIFIERS.has(system);
  return statement.replace(LITERALS, (literal) => {
    if (literal.startsWith('--') || literal.startsWith('/*')) return '';
    return literal.startsWith('"') && keepQuoted ? literal : '?';
  });
}

function dbAttributes(options: DbSpanOptions): { name: string; attributes: Attributes } {
  const operation =
    options.operation ?? /^\s*(\w+)/.exec(options.statement ?? '')?.[1]?.toUpperCase();
  const attributes: Attributes = { 'db.system.name': options.system, ...options.attributes };
  if (operation) attributes['db.operation.name'] = operation;
  if (options.statement !== undefined)
    attributes['db.query.text'] = sanitizeSql(options.statement, options.system);
  if (options.collection) attributes['db.collection.name'] = options.collection;
  if (options.namespace) attributes['db.namespace'] = options.namespace;
  // The conventions' span name: "{operation} {collection}", else the operation, else the system.
  const name = [operation, options.collection].filter(Boolean).join(' ') || options.system;
  return { name, attributes };
}

/**
 * `fn` in a CLIENT span following the database semantic conventions.
 *
 * @example
 * ```ts
 * const rows = await traceDb(
 *   { system: 'postgresql', statement: 'SELECT * FROM events WHERE workspace_id = $1', collection: 'events' },
 *   () => pool.query(sql, [workspaceId]),
 * );
 * ```
 */
export function traceDb<T>(options: DbSpanOptions, fn: () => T): T {
  const { name, attributes } = dbAttributes(options);
  return withSpan(name, fn, { kind: SpanKind.CLIENT, attributes });
}

export interface CacheSpanOptions {
  /** `db.system.name`: 'redis', 'memcached', or 'memory' for an in-process cache. */
  system: string;
  /** 'get', 'set', 'delete', … (recorded upper case, as Redis spells its commands). */
  operation: string;
  /** The cache or key space name (`db.collection.name`); never the key itself, which may be personal. */
  collection?: string;
}

/**
 * `fn` in a CLIENT span for a cache call. For reads, `cache.hit` is recorded: true unless `fn`
 * returns (or resolves to) undefined or null.
 */
export function traceCache<T>(options: CacheSpanOptions, fn: () => T): T {
  const operation = options.operation.toUpperCase();
  const { name, attributes } = dbAttributes({
    system: options.system,
    operation,
    collection: options.collection,
  });
  const isRead = operation === 'GET' || operation === 'MGET' || operation === 'HGET';
  return withSpan(
    name,
    (span) => {
      const result = fn();
      if (!isRead) return result;
      const note = (value: unknown) =>
        span.setAttribute('cache.hit', value !== undefined && value !== null);
      const thenable = result as { then?: unknown } | null;
      if (typeof thenable?.then === 'function')
        return Promise.resolve(result).then((value: unknown) => (note(value), value)) as T;
      note(result);
      return result;
    },
    { kind: SpanKind.CLIENT, attributes },
  );
}
