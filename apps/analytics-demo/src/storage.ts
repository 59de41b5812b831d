// Where the service keeps its data: SQLite (a file under DATA_DIR) unless DATABASE_URL names a
// PostgreSQL, and an in-memory cache unless REDIS_URL names a Redis. Migrations run on open.
import { join } from 'node:path';
import { memoryCache, redisCache, type Cache } from './cache/cache';
import type { Config } from './config';
import type { Db } from './db/db';
import { migrate } from './db/migrations';
import { openPostgres } from './db/postgres';
import { Repository } from './db/repository';
import { openSqlite } from './db/sqlite';

export interface Storage {
  db: Db;
  repo: Repository;
  cache: Cache;
  close(): Promise<void>;
}

export async function openStorage(config: Config): Promise<Storage> {
  const db = config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, { max: config.DB_POOL_MAX })
    : openSqlite(join(config.DATA_DIR, 'analytics.db'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  const cache = config.REDIS_URL
    ? redisCache(config.REDIS_URL, { prefix: config.CACHE_KEY_PREFIX })
    : memoryCache();
  // A cache that is down is not fatal (queries fall back to the database, health says degraded),
  // but give it a moment to connect so the first requests use it.
  await cache.connected(2000);
  return {
    db,
    repo: new Repository(db),
    cache,
    close: async () => {
      await cache.close();
      await db.close();
    },
  };
}
