// The service's own metrics beside the HTTP ones: seed 000's business metrics, and where two
// signals meet (health as metrics, dropped spans and log records as metrics), the adapters.
import type { HealthStatus } from '@obs/health';
import type { Metrics } from '@obs/metrics';
import type { PoolState } from './db/db';

export interface Counts {
  /** Runs the health checks (cached ones answer from cache), so each scrape sees fresh results. */
  checkHealth?: () => Promise<unknown>;
  /** `@obs/tracing`'s `tracing.stats`. */
  spans?: () => { spansExported: number; spansDropped: number; spansFailed: number };
  logs?: (() => { dropped: number; queued: number }) | undefined;
}

const HEALTH_VALUE: Record<HealthStatus, number> = { healthy: 1, degraded: 0.5, unhealthy: 0 };

export function appMetrics(metrics: Metrics, pool: () => PoolState, counts: Counts = {}) {
  const credits = metrics.counter({
    name: 'analytics_credits_consumed_total',
    help: 'Credits consumed by usage events',
    labelNames: ['workspace_id', 'agent_id'],
  });
  const health = metrics.gauge({
    name: 'health_check_status',
    help: 'Last result of each health check: 1 healthy, 0.5 degraded, 0 unhealthy',
    labelNames: ['check'],
    async collect() {
      await counts.checkHealth?.();
    },
  });
  metrics.gauge({
    name: 'database_connections',
    help: 'Database pool: connections open (total), in use (active), open and unused (idle), the most it opens (max), free for a query without waiting (available: idle, or not opened yet under max), callers waiting',
    labelNames: ['state'],
    collect() {
      const p = pool();
      this.set({ state: 'total' }, p.total);
      this.set({ state: 'active' }, p.active);
      this.set({ state: 'idle' }, p.idle);
      this.set({ state: 'max' }, p.max);
      this.set({ state: 'available' }, p.idle + p.max - p.total);
      this.set({ state: 'waiting' }, p.waiting);
    },
  });
  if (counts.spans) {
    const spans = counts.spans;
    metrics.gauge({
      name: 'tracing_spans',
      help: 'Spans exported, dropped (queue full) and failed (exporter error) since start',
      labelNames: ['outcome'],
      collect() {
        const s = spans();
        this.set({ outcome: 'exported' }, s.spansExported);
        this.set({ outcome: 'dropped' }, s.spansDropped);
        this.set({ outcome: 'failed' }, s.spansFailed);
      },
    });
  }
  if (counts.logs) {
    const logs = counts.logs;
    metrics.gauge({
      name: 'log_shipping_records',
      help: 'Log records given up on (dropped) and waiting (queued) on the way to the log store',
      labelNames: ['state'],
      collect() {
        const l = logs();
        this.set({ state: 'dropped' }, l.dropped);
        this.set({ state: 'queued' }, l.queued);
      },
    });
  }
  return {
    activeUsers: metrics.gauge({
      name: 'analytics_active_users',
      help: 'Distinct users with an event in the last hour, per workspace (refreshed by the rollup job)',
      labelNames: ['workspace_id'],
    }),
    cacheOperations: metrics.counter({
      name: 'cache_operations_total',
      help: 'Cache operations by outcome (get: hit/miss/error; set: ok/error)',
      labelNames: ['operation', 'result'],
    }),
    jobs: metrics.counter({
      name: 'background_jobs_total',
      help: 'Background job runs by outcome',
      labelNames: ['job_type', 'status'],
    }),
    authFailures: metrics.counter({
      name: 'auth_failures_total',
      help: 'Failed (401) and forbidden (403) authentication attempts',
      labelNames: ['reason'],
    }),
    errors: metrics.counter({
      name: 'errors_total',
      help: 'Errors answered, by type and status',
      labelNames: ['type', 'status'],
    }),
    credits: (workspaceId: string, agentId: string, value: number) =>
      credits.inc({ workspace_id: workspaceId, agent_id: agentId }, value),
    health: (check: string, status: HealthStatus) => health.set({ check }, HEALTH_VALUE[status]),
  };
}

export type AppMetrics = ReturnType<typeof appMetrics>;
