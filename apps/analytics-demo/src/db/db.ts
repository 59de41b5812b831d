// The little the repository needs from a database: parameterised queries (written with `?`),
// transactions, and the pool's state for `database_connections{state}`. SQLite and PostgreSQL
// each implement it; the repository and the migrations are the same SQL for both.

export type Dialect = 'sqlite' | 'postgres';
export type Param = string | number | null;
export type Row = Record<string, unknown>;

export interface PoolState {
  /** Connections open. */
  total: number;
  /** Open and not in use. */
  idle: number;
  /** Running a query. */
  active: number;
  /** Callers waiting for a connection. */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  /** Runs a statement; resolves with the number of rows it changed. */
  execute(sql: string, params?: readonly Param[]): Promise<number>;
}

export interface Db extends Queryable {
  readonly dialect: Dialect;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  pool(): PoolState;
  close(): Promise<void>;
}
