// The schema, as numbered migrations in SQL that SQLite and PostgreSQL both accept. Applied in
// order at start-up; each one once (schema_migrations remembers), inside a transaction.
import type { Db } from './db';

export const MIGRATIONS: readonly (readonly string[])[] = [
  [
    `CREATE TABLE workspaces (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      owner_user_id TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE api_keys (
      key_hash TEXT PRIMARY KEY,
      workspace_id TEXT NOT NULL REFERENCES workspaces(id),
      user_id TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE agents (
      workspace_id TEXT NOT NULL REFERENCES workspaces(id),
      id TEXT NOT NULL,
      name TEXT NOT NULL,
      description TEXT,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE events (
      workspace_id TEXT NOT NULL,
      id TEXT NOT NULL,
      user_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      type TEXT NOT NULL,
      credits BIGINT NOT NULL,
      occurred_at BIGINT NOT NULL,
      day TEXT NOT NULL,
      properties TEXT,
      received_at BIGINT NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE INDEX events_by_time ON events (workspace_id, occurred_at)`,
    `CREATE TABLE daily_rollups (
      workspace_id TEXT NOT NULL,
      day TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      type TEXT NOT NULL,
      events BIGINT NOT NULL,
      credits BIGINT NOT NULL,
      users BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (workspace_id, day, agent_id, type)
    )`,
    `CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      state TEXT NOT NULL,
      severity TEXT NOT NULL,
      data TEXT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
    `CREATE INDEX alerts_by_time ON alerts (updated_at)`,
  ],
  [
    // Bumped with every ingest that stores something: the analytics cache keys on it, so no
    // cached answer outlives the data it was computed from (not even when the cache is down).
    `ALTER TABLE workspaces ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0`,
    // The days whose rollup is out of date: marked in the ingest transaction, cleared by the
    // rollup that rebuilds them. Days stored before this table existed start out marked.
    `CREATE TABLE dirty_days (
      workspace_id TEXT NOT NULL,
      day TEXT NOT NULL,
      PRIMARY KEY (workspace_id, day)
    )`,
    `INSERT INTO dirty_days (workspace_id, day) SELECT DISTINCT workspace_id, day FROM events`,
  ],
  [
    // Events indexed by day rather than by occurred_at. Live ingestion arrives a little out of
    // order (clients send the last seconds of events, concurrently), so each batch landed all over
    // the time index, splitting its pages: that index cost half of every insert. Within a day,
    // rows arrive in insertion order and are appended. Range queries name the days and then filter
    // on occurred_at.
    `DROP INDEX events_by_time`,
    `CREATE INDEX events_by_day ON events (workspace_id, day)`,
  ],
];

/** Applies the migrations not applied yet; returns how many ran. */
export async function migrate(db: Db): Promise<number> {
  await db.execute(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
  );
  const rows = await db.query<{ version: number | string }>(
    'SELECT version FROM schema_migrations',
  );
  const applied = new Set(rows.map((r) => Number(r.version)));
  let ran = 0;
  for (const [index, statements] of MIGRATIONS.entries()) {
    const version = index + 1;
    if (applied.has(version)) continue;
    const ranHere = await db.transaction(async (tx) => {
      // Instances starting together on one PostgreSQL take turns; the later ones find it done.
      if (db.dialect === 'postgres') {
        await tx.query('SELECT pg_advisory_xact_lock(7261001)');
        const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = ?', [version]);
        if (done.length > 0) return false;
      }
      for (const sql of statements) await tx.execute(sql);
      await tx.execute('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
        version,
        Date.now(),
      ]);
      return true;
    });
    if (ranHere) ran++;
  }
  return ran;
}
