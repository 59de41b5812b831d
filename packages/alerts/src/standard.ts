import { add, quantile, rate, ratio, sum, value } from './query';
import { above, below, defineRule, type Rule } from './rules';

export interface StandardRuleOptions {
  /** Prometheus job of the service, for ServiceDown. @default 'app' */
  job?: string;
  /** Share of requests answered 5xx: warning above this. @default 0.05 */
  errorRate?: number;
  /** Critical above this. @default 0.1 */
  criticalErrorRate?: number;
  /** p95 latency in seconds. @default 1 */
  latencyP95Seconds?: number;
  /** Resident memory as a share of the machine's (or container's). @default 0.9 */
  memoryUsage?: number;
  /** CPU seconds per second (1 = one core busy). @default 0.9 */
  cpuUsage?: number;
  /** Idle database connections below this. @default 5 (seed 000) */
  minIdleConnections?: number;
  /** Cache hits per get below this share. @default 0.5 */
  minCacheHitRate?: number;
  /** The queue-length gauge and its limit. @default 'queue_size', 1000 */
  queueMetric?: string;
  maxQueueSize?: number;
  /** Failed authentications per second (auth_failures_total). @default 1 */
  authFailuresPerSecond?: number;
  /** Credits consumed per second, over an hour (seed 000's CreditConsumptionSpike). @default 10000 */
  creditsPerSecond?: number;
  /** Base URL of the runbooks; each rule links `${runbookBase}<rule-name>`. */
  runbookBase?: string;
}

/**
 * The seeds' alert set on the metric names @obs/metrics publishes: HighErrorRate (a warning and a
 * critical), HighLatency, ServiceDown, HighMemoryUsage, HighCPUUsage,
 * DatabaseConnectionPoolExhausted, LowCacheHitRate, HighQueueSize, HighAuthFailureRate and the
 * demo's CreditConsumptionSpike, thresholds as options.
 */
export function standardRules(options: StandardRuleOptions = {}): Rule[] {
  const o = {
    job: 'app',
    errorRate: 0.05,
    criticalErrorRate: 0.1,
    latencyP95Seconds: 1,
    memoryUsage: 0.9,
    cpuUsage: 0.9,
    minIdleConnections: 5,
    minCacheHitRate: 0.5,
    queueMetric: 'queue_size',
    maxQueueSize: 1000,
    authFailuresPerSecond: 1,
    creditsPerSecond: 10_000,
    ...options,
  };
  const runbook = (name: string) =>
    o.runbookBase
      ? { runbook_url: `${o.runbookBase}${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}` }
      : {};
  const errorShare = ratio(
    sum(rate('http_requests_total', '5m', { status: /5../ })),
    sum(rate('http_requests_total', '5m')),
  );
  return [
    defineRule({
      name: 'HighErrorRate',
      query: errorShare,
      condition: above(o.errorRate),
      for: '5m',
      severity: 'warning',
      annotations: {
        summary: 'High error rate',
        description: 'Error rate is {{ $value | humanizePercentage }} of requests (5m)',
        ...runbook('HighErrorRate'),
      },
    }),
    // The same condition at a higher threshold: one alert name, told apart by `severity`, so a
    // firing critical inhibits its warning here and in Alertmanager (equal alertname).
    defineRule({
      name: 'HighErrorRate',
      query: errorShare,
      condition: above(o.criticalErrorRate),
      for: '2m',
      severity: 'critical',
      annotations: {
        summary: 'Critical error rate',
        description: 'Error rate is {{ $value | humanizePercentage }} of requests (5m)',
        ...runbook('HighErrorRate'),
      },
    }),
    defineRule({
      name: 'HighLatency',
      query: quantile(0.95, 'http_request_duration_seconds', '5m'),
      condition: above(o.latencyP95Seconds),
      for: '5m',
      severity: 'warning',
      annotations: {
        summary: 'High p95 latency',
        description: '95th percentile response time is {{ $value | humanizeDuration }}',
        ...runbook('HighLatency'),
      },
    }),
    defineRule({
      name: 'ServiceDown',
      query: value('up', { job: o.job }),
      condition: below(1),
      for: '1m',
      severity: 'critical',
      annotations: {
        summary: 'Service down',
        description: '{{ $labels.instance }} of job {{ $labels.job }} is not answering scrapes',
        ...runbook('ServiceDown'),
      },
    }),
    defineRule({
      name: 'HighMemoryUsage',
      query: ratio(
        sum(value('process_resident_memory_bytes')),
        sum(value('system_memory_total_bytes')),
      ),
      condition: above(o.memoryUsage),
      for: '5m',
      severity: 'warning',
      annotations: {
        summary: 'High memory usage',
        description: 'Resident memory is {{ $value | humanizePercentage }} of the memory available',
        ...runbook('HighMemoryUsage'),
      },
    }),
    defineRule({
      name: 'HighCPUUsage',
      query: sum(rate('process_cpu_seconds_total', '5m')),
      condition: above(o.cpuUsage),
      for: '10m',
      severity: 'warning',
      annotations: {
        summary: 'High CPU usage',
        description: 'The process uses {{ $value | humanize }} CPU seconds per second',
        ...runbook('HighCPUUsage'),
      },
    }),
    defineRule({
      name: 'DatabaseConnectionPoolExhausted',
      query: sum(value('database_connections', { state: 'idle' })),
      condition: below(o.minIdleConnections),
      for: '2m',
      severity: 'critical',
      annotations: {
        summary: 'Database connection pool nearly exhausted',
        description: 'Only {{ $value }} idle database connections left',
        ...runbook('DatabaseConnectionPoolExhausted'),
      },
    }),
    defineRule({
      name: 'LowCacheHitRate',
      query: ratio(
        sum(rate('cache_operations_total', '5m', { operation: 'get', result: 'hit' })),
        add(
          sum(rate('cache_operations_total', '5m', { operation: 'get', result: 'hit' })),
          sum(rate('cache_operations_total', '5m', { operation: 'get', result: 'miss' })),
        ),
      ),
      condition: below(o.minCacheHitRate),
      for: '10m',
      severity: 'warning',
      annotations: {
        summary: 'Low cache hit rate',
        description: 'Cache hit rate is {{ $value | humanizePercentage }}',
        ...runbook('LowCacheHitRate'),
      },
    }),
    defineRule({
      name: 'HighQueueSize',
      query: sum(value(o.queueMetric)),
      condition: above(o.maxQueueSize),
      for: '5m',
      severity: 'warning',
      annotations: {
        summary: 'Queue backing up',
        description: '{{ $value }} items waiting',
        ...runbook('HighQueueSize'),
      },
    }),
    defineRule({
      name: 'HighAuthFailureRate',
      query: sum(rate('auth_failures_total', '5m')),
      condition: above(o.authFailuresPerSecond),
      for: '2m',
      severity: 'warning',
      labels: { category: 'security' },
      annotations: {
        summary: 'Spike of failed authentications',
        description: '{{ $value | humanize }} failed authentications per second (401/403)',
        ...runbook('HighAuthFailureRate'),
      },
    }),
    defineRule({
      name: 'CreditConsumptionSpike',
      query: sum(rate('analytics_credits_consumed_total', '1h')),
      condition: above(o.creditsPerSecond),
      for: '5m',
      severity: 'warning',
      labels: { category: 'business' },
      annotations: {
        summary: 'Credit consumption spike',
        description: '{{ $value | humanize }} credits per second over the last hour',
        ...runbook('CreditConsumptionSpike'),
      },
    }),
  ];
}
