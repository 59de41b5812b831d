// The analytics cache: strings by key with a time to live. In memory (an LRU) by default, Redis
// when REDIS_URL is set. Callers treat every failure as a miss, so a cache that is down costs
// a database query, never an error.
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export interface Cache {
  readonly kind: 'memory' | 'redis';
  /** Resolves true once connected, false if that took longer than `timeoutMs` (it keeps trying). */
  connected(timeoutMs: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  ping(): Promise<string>;
  close(): Promise<void>;
}

export function memoryCache(options: { maxEntries?: number } = {}): Cache {
  const lru = new LRUCache<string, string>({
    max: options.maxEntries ?? 10_000,
    ttlAutopurge: false,
  });
  return {
    kind: 'memory',
    connected: () => Promise.resolve(true),
    get: (key) => Promise.resolve(lru.get(key)),
    set: (key, value, ttlSeconds) => {
      lru.set(key, value, { ttl: ttlSeconds * 1000 });
      return Promise.resolve();
    },
    ping: () => Promise.resolve('PONG'),
    close: () => {
      lru.clear();
      return Promise.resolve();
    },
  };
}

export interface RedisCacheOptions {
  /** A command not answered in this time fails (and counts as a miss). @default 250 */
  commandTimeoutMs?: number;
  /** Key prefix, so the cache can share a Redis. @default 'analytics:' */
  prefix?: string;
}

/**
 * Redis through ioredis. Commands fail fast while Redis is unreachable (no offline queue, no
 * retries per request) and ioredis keeps reconnecting in the background.
 */
export function redisCache(
  url: string,
  options: RedisCacheOptions = {},
): Cache & { client: Redis } {
  const client = new Redis(url, {
    keyPrefix: options.prefix ?? 'analytics:',
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Connection errors are reported through failed commands (counted by the caller); ioredis would
  // otherwise print each one.
  client.on('error', () => undefined);
  return {
    kind: 'redis',
    client,
    connected: (timeoutMs) =>
      client.status === 'ready'
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => {
              client.off('ready', onReady);
              resolve(false);
            }, timeoutMs);
            const onReady = () => {
              clearTimeout(timer);
              resolve(true);
            };
            client.once('ready', onReady);
          }),
    get: async (key) => (await client.get(key)) ?? undefined,
    set: async (key, value, ttlSeconds) => {
      await client.set(key, value, 'EX', ttlSeconds);
    },
    ping: () => client.ping(),
    close: async () => {
      // QUIT needs a live connection; with Redis gone, just stop reconnecting.
      if (client.status !== 'ready') {
        client.disconnect();
        return;
      }
      await Promise.race([
        client.quit().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      client.disconnect();
    },
  };
}
