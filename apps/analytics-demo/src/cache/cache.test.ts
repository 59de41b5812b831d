// The cache and the analytics service over it, on memory and on a real Redis (where installed;
// CI installs it). With Redis stopped, queries still answer from the database.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { notInstalled, startRedis, type RealServer } from '../../../../scripts/real-servers';
import { openSqlite } from '../db/sqlite';
import { migrate } from '../db/migrations';
import { Repository } from '../db/repository';
import { AnalyticsService } from '../domain/analytics';
import { memoryCache, redisCache, type Cache } from './cache';

let server: RealServer | undefined;
afterAll(() => server?.stop());

const backends: [string, () => Promise<Cache | undefined>][] = [
  ['memory', () => Promise.resolve(memoryCache())],
  [
    'Redis',
    async () => {
      server = await startRedis();
      if (!server) return undefined;
      const cache = redisCache(server.url, { prefix: 'test:' });
      expect(await cache.connected(30_000)).toBe(true); // a hang guard: busy machines are slow
      return cache;
    },
  ],
];

const T0 = Date.parse('2026-11-18T00:00:00Z');
const query = { from: T0, to: T0 + 86_400_000, group_by: 'agent' as const };

describe.each(backends)('the %s cache', (name, open) => {
  let cache: Cache | undefined;
  let repo: Repository;
  let counts: Record<string, number>;
  let analytics: AnalyticsService;
  beforeAll(async () => {
    cache = await open();
    const db = openSqlite(':memory:');
    await migrate(db);
    repo = new Repository(db);
    await repo.createWorkspace({ id: 'acme', name: 'Acme', owner_user_id: 'a' }, 'h');
    await repo.insertEvents('acme', [
      {
        id: 'e1',
        user_id: 'u1',
        agent_id: 'bot',
        type: 'chat',
        credits: 5,
        occurred_at: T0 + 1000,
      },
    ]);
    counts = {};
    if (cache)
      analytics = new AnalyticsService(
        repo,
        cache,
        {
          inc: ({ operation, result }) =>
            void (counts[`${operation}:${result}`] = (counts[`${operation}:${result}`] ?? 0) + 1),
        },
        60,
      );
  }, 90_000);
  afterAll(() => cache?.close());

  const test = (title: string, body: () => Promise<void>) =>
    it(title, async () => {
      if (!cache) {
        notInstalled(`${name} server`);
        return;
      }
      await body();
    });

  test('keeps values for their time to live', async () => {
    const stored = performance.now();
    await cache!.set('k', 'v', 1);
    const fresh = await cache!.get('k');
    // Only a read within the second can show the value kept: a busy machine may have taken
    // longer than that to get here, and then there is nothing to check.
    if (performance.now() - stored < 1000) expect(fresh).toBe('v');
    expect(await cache!.get('missing')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the time to live, at least
    expect(await cache!.get('k')).toBeUndefined();
  });

  test('answers a repeated query from the cache, counting the miss and the hit', async () => {
    const first = await analytics.calculateAnalytics('acme', query);
    const second = await analytics.calculateAnalytics('acme', query);
    expect([first.cached, second.cached]).toEqual([false, true]);
    expect(second.analytics).toEqual(first.analytics);
    expect(counts['get:miss']).toBe(1);
    expect(counts['get:hit']).toBe(1);
  });

  test('misses once new events are stored, and sees them', async () => {
    const second = {
      id: 'e2',
      user_id: 'u2',
      agent_id: 'bot',
      type: 'chat',
      credits: 7,
      occurred_at: T0 + 2000,
    };
    await repo.insertEvents('acme', [second]);
    const after = await analytics.calculateAnalytics('acme', query);
    expect(after).toMatchObject({ cached: false, analytics: { total_credits: 12 } });
    expect(await analytics.calculateAnalytics('acme', query)).toMatchObject({ cached: true });
    // Events already stored change nothing, and keep the cached answer.
    await repo.insertEvents('acme', [second]);
    expect(await analytics.calculateAnalytics('acme', query)).toMatchObject({ cached: true });
  });

  test('answers from the database when the cache fails, counting the errors', async () => {
    if (name !== 'Redis') return;
    await server!.stop();
    const result = await analytics.calculateAnalytics('acme', query);
    expect(result).toMatchObject({ cached: false, analytics: { total_credits: 12 } });
    expect(counts['get:error']).toBeGreaterThanOrEqual(1);
    expect(counts['set:error']).toBeGreaterThanOrEqual(1);
  });
});
