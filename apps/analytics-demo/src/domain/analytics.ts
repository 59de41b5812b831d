// Seed 000's analytics queries. `calculateAnalytics` is traced (`@Traced`, seed 000's
// `trace_operation`) and cached: each workspace's entries sit under a version token that new events
// replace, so a query after an ingest never sees the old answer and nothing needs deleting.
import { randomBytes } from 'node:crypto';
import { setAttributes, traceCache, Traced } from '@obs/tracing';
import type { Cache } from '../cache/cache';
import type { Analytics, GroupBy, Repository } from '../db/repository';

export interface CacheCounter {
  inc(labels: { operation: string; result: string }): void;
}

export interface AnalyticsQuery {
  from: number;
  to: number;
  group_by: GroupBy;
}

const VERSION_TTL_SECONDS = 86_400;
const newVersion = () => randomBytes(6).toString('base64url');

export class AnalyticsService {
  constructor(
    private readonly repo: Repository,
    private readonly cache: Cache,
    private readonly cacheOperations: CacheCounter,
    private readonly ttlSeconds: number,
  ) {}

  @Traced('calculate_analytics')
  async calculateAnalytics(
    workspaceId: string,
    query: AnalyticsQuery,
  ): Promise<{ analytics: Analytics; cached: boolean }> {
    setAttributes({ 'workspace.id': workspaceId, 'analytics.group_by': query.group_by });
    const version = await this.version(workspaceId);
    const key =
      version === undefined
        ? undefined
        : `analytics:${workspaceId}:${version}:${query.from}:${query.to}:${query.group_by}`;
    const hit = key === undefined ? undefined : await this.get(key);
    if (hit !== undefined) {
      setAttributes({ 'analytics.cached': true });
      return { analytics: JSON.parse(hit) as Analytics, cached: true };
    }
    const analytics = await this.repo.analytics(workspaceId, query.from, query.to, query.group_by);
    if (key !== undefined) await this.set(key, JSON.stringify(analytics), this.ttlSeconds);
    setAttributes({ 'analytics.cached': false, 'analytics.groups': analytics.groups.length });
    return { analytics, cached: false };
  }

  /** After new events: later queries of the workspace miss the cache. */
  async invalidate(workspaceId: string): Promise<void> {
    await this.set(`version:${workspaceId}`, newVersion(), VERSION_TTL_SECONDS, 'invalidate');
  }

  /** The workspace's version token (a new one when none is cached); undefined if the cache is down. */
  private async version(workspaceId: string): Promise<string | undefined> {
    const key = `version:${workspaceId}`;
    const current = await this.get(key, 'get_version');
    if (current !== undefined) return current;
    const fresh = newVersion();
    return (await this.set(key, fresh, VERSION_TTL_SECONDS)) ? fresh : undefined;
  }

  /** Analytics lookups count as `get` (what the hit rate means); version lookups apart. */
  private async get(key: string, operation = 'get'): Promise<string | undefined> {
    try {
      const value = await traceCache(
        { system: this.cache.kind, operation: 'get', collection: 'analytics' },
        () => this.cache.get(key),
      );
      this.cacheOperations.inc({ operation, result: value === undefined ? 'miss' : 'hit' });
      return value;
    } catch {
      this.cacheOperations.inc({ operation, result: 'error' });
      return undefined;
    }
  }

  private async set(key: string, value: string, ttl: number, operation = 'set'): Promise<boolean> {
    try {
      await traceCache({ system: this.cache.kind, operation: 'set', collection: 'analytics' }, () =>
        this.cache.set(key, value, ttl),
      );
      this.cacheOperations.inc({ operation, result: 'ok' });
      return true;
    } catch {
      this.cacheOperations.inc({ operation, result: 'error' });
      return false;
    }
  }
}
