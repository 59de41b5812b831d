// PostgreSQL through a pg pool. The repository's SQL uses `?` placeholders; they become `$1…$n`
// here (once per statement text). A transaction runs on one client taken from the pool.
import { serviceUnavailable } from '@obs/errors';
import pg from 'pg';
import type { Db, Param, PoolState, Queryable, Row } from './db';

export interface PostgresOptions {
  /** @default 10 */
  max?: number;
  /** Waiting longer than this for a connection fails the query. @default 5000 */
  connectionTimeoutMs?: number;
  /** A statement running longer than this is cancelled by the server. @default 10_000 */
  statementTimeoutMs?: number;
}

const numbered = new Map<string, string>();
function toPositional(sql: string): string {
  let text = numbered.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, text);
  }
  return text;
}

/** Socket errors, and PostgreSQL's connection-exception and shutdown classes (08, 57P0x). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);
function unavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^(08|57P0)/.test(code)))
    return true;
  const message = err instanceof Error ? err.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connection to server/i.test(
    message,
  );
}

/**
 * The database being down is the service being unavailable, not a bug: 503 with Retry-After,
 * so clients retry and the error rate counts it apart from real failures.
 */
async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (unavailable(err))
      throw serviceUnavailable('The database is unavailable; try again shortly.', {
        headers: { 'retry-after': '5' },
        cause: err,
      });
    throw err;
  }
}

function over(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    query: <T extends Row>(sql: string, params: readonly Param[] = []) =>
      guarded(async () => (await client.query(toPositional(sql), params as Param[])).rows as T[]),
    execute: (sql, params = []) =>
      guarded(async () => (await client.query(toPositional(sql), params as Param[])).rowCount ?? 0),
  };
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const max = options.max ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would crash
  // the process. The next query reconnects.
  pool.on('error', () => undefined);
  const direct = over(pool);
  return {
    dialect: 'postgres',
    ...direct,
    transaction: async <T>(fn: (tx: Queryable) => Promise<T>) => {
      const client = await guarded(() => pool.connect());
      try {
        await client.query('BEGIN');
        const result = await fn(over(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    pool: (): PoolState => ({
      total: pool.totalCount,
      active: pool.totalCount - pool.idleCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max,
    }),
    close: () => pool.end(),
  };
}
