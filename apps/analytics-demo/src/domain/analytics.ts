// Seed 000's analytics queries. `calculateAnalytics` is traced (`@Traced`, seed 000's
// `trace_operation`) and cached under the workspace's data version, which every ingest that
// stores events bumps in the same transaction: a cached answer never outlives its data, whether
// or not the cache is reachable when events arrive, and nothing needs deleting.
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
    const version = (await this.repo.dataVersion(workspaceId)) ?? 0;
    const key = `analytics:${workspaceId}:${version}:${query.from}:${query.to}:${query.group_by}`;
    const hit = await this.get(key);
    if (hit !== undefined) {
      setAttributes({ 'analytics.cached': true });
      return { analytics: JSON.parse(hit) as Analytics, cached: true };
    }
    const analytics = await this.repo.analytics(workspaceId, query.from, query.to, query.group_by);
    await this.set(key, JSON.stringify(analytics), this.ttlSeconds);
    setAttributes({ 'analytics.cached': false, 'analytics.groups': analytics.groups.length });
    return { analytics, cached: false };
  }

  private async get(key: string): Promise<string | undefined> {
    try {
      const value = await traceCache(
        { system: this.cache.kind, operation: 'get', collection: 'analytics' },
        () => this.cache.get(key),
      );
      this.cacheOperations.inc({ operation: 'get', result: value === undefined ? 'miss' : 'hit' });
      return value;
    } catch {
      this.cacheOperations.inc({ operation: 'get', result: 'error' });
      return undefined;
    }
  }

  private async set(key: string, value: string, ttl: number): Promise<void> {
    try {
      await traceCache({ system: this.cache.kind, operation: 'set', collection: 'analytics' }, () =>
        this.cache.set(key, value, ttl),
      );
      this.cacheOperations.inc({ operation: 'set', result: 'ok' });
    } catch {
      this.cacheOperations.inc({ operation: 'set', result: 'error' });
    }
  }
}
