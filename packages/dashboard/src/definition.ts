// Dashboards as data: panels whose queries are written once and read two ways, by the built-in
// dashboard over the service's own metric samples, and by Grafana as PromQL (toGrafanaDashboard).
// The query forms are the few a service dashboard needs; each has one PromQL rendering.

/** Labels a query keeps (`sum by (...)`); none sums everything into one series. */
export interface Grouping {
  /** Labels to keep, e.g. `['route']`. */
  by?: readonly string[];
  /** Exact label matches, e.g. `{ status: '5xx' }`; a value starting with `~` is a regex match. */
  where?: Readonly<Record<string, string>>;
}

export type Query =
  /** Per-second rate of a counter (PromQL `sum by (...) (rate(metric[window]))`). */
  | ({ kind: 'rate'; metric: string } & Grouping)
  /** The current value of a gauge, summed per group (PromQL `sum by (...) (metric)`). */
  | ({ kind: 'value'; metric: string } & Grouping)
  /** A histogram quantile over its buckets' rate (PromQL `histogram_quantile(q, ...)`). */
  | ({ kind: 'quantile'; q: number; metric: string } & Grouping)
  /** One query divided by another, per group (an error rate, a hit rate); 0/0 gives no point. */
  | { kind: 'ratio'; numerator: Query; denominator: Query };

export type Unit = 'reqps' | 'ops' | 'percentunit' | 's' | 'bytes' | 'short' | 'percent';

export interface Panel {
  title: string;
  /** One line per query (and per group of its `by` labels). */
  queries: readonly Query[];
  /** How values read: `s` for seconds, `percentunit` for 0–1 ratios, `bytes`, `reqps`... */
  unit?: Unit;
  /** A line chart over time (default), or one number (its latest value). */
  type?: 'timeseries' | 'stat';
  /** Legend of each line: `{{route}}` names a label; defaults to the query's labels. */
  legend?: readonly string[];
  description?: string;
}

export interface DashboardDefinition {
  /** Stable id (Grafana's `uid`): lowercase letters, digits, `-`. */
  uid: string;
  title: string;
  panels: readonly Panel[];
  tags?: readonly string[];
}

/** `rate('http_requests_total', { by: ['route'] })` */
export const rate = (metric: string, grouping: Grouping = {}): Query => ({
  kind: 'rate',
  metric,
  ...grouping,
});

/** `value('database_connections', { by: ['state'] })` */
export const value = (metric: string, grouping: Grouping = {}): Query => ({
  kind: 'value',
  metric,
  ...grouping,
});

/** `quantile(0.95, 'http_request_duration_seconds', { by: ['route'] })` — the histogram's base name. */
export const quantile = (q: number, metric: string, grouping: Grouping = {}): Query => ({
  kind: 'quantile',
  q,
  metric,
  ...grouping,
});

/** `ratio(rate('x_total', { where: { result: 'hit' } }), rate('x_total'))` */
export const ratio = (numerator: Query, denominator: Query): Query => ({
  kind: 'ratio',
  numerator,
  denominator,
});

/**
 * The service overview every @obs service has, from the metric names on the wire (DESIGN.md):
 * the built-in Overview page draws these panels, and Grafana gets them from the same definition.
 */
export function overviewDashboard(title = 'Service overview'): DashboardDefinition {
  const requests = 'http_requests_total';
  const duration = 'http_request_duration_seconds';
  return {
    uid: 'obs-overview',
    title,
    tags: ['obs'],
    panels: [
      { title: 'Request rate', unit: 'reqps', queries: [rate(requests)] },
      {
        title: 'Error rate',
        unit: 'percentunit',
        queries: [ratio(rate(requests, { where: { status: '~5..' } }), rate(requests))],
      },
      {
        title: 'Latency',
        unit: 's',
        queries: [quantile(0.5, duration), quantile(0.95, duration), quantile(0.99, duration)],
        legend: ['p50', 'p95', 'p99'],
      },
      { title: 'In flight', unit: 'short', queries: [value('http_requests_in_flight')] },
      { title: 'CPU', unit: 'percentunit', queries: [rate('process_cpu_seconds_total')] },
      { title: 'Memory (RSS)', unit: 'bytes', queries: [value('process_resident_memory_bytes')] },
      {
        title: 'Event loop lag (p99)',
        unit: 's',
        queries: [value('nodejs_eventloop_lag_p99_seconds')],
      },
    ],
  };
}
