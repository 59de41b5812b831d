import { collectDefaultMetrics, Registry, type RegistryContentType } from 'prom-client';
import { z } from 'zod';
import {
  configErrorFromIssues,
  getTraceIds,
  ObsConfigError,
  reportInternalError,
  resolveServiceInfo,
  type ServiceInfoOptions,
} from '@obs/core';
import { Counter } from './counter';
import { expose, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './exposition';
import { Gauge, type GaugeConfig } from './gauge';
import { Histogram, SIZE_BUCKETS, type HistogramConfig } from './histogram';
import { checkLabelNames, type LabelValues } from './labels';
import type { MetricConfig, MetricContext } from './metric';
import { isObject, nonEmptyString, received } from './options';
import { createBackend, type BackendOptions } from './backend';
import { Summary, type SummaryConfig } from './summary';
import { registerSystemMetrics } from './system';
import type { WindowStats } from './window';

export interface MetricsOptions {
  /**
   * Prepended to every metric this object creates (not to the `http_*` or default metrics), with
   * `_` between unless it ends in `_` or `:` (`'shop'` and `'shop_'` both give `shop_orders_total`).
   * @default ''
   */
  prefix?: string;
  /**
   * Labels on every series of this object's metrics (on a shared `registry`, on its other metrics
   * neither). @default { service, environment } from core's service info
   */
  defaultLabels?: Record<string, string>;
  /** Service identity for the default labels. @default core's `resolveServiceInfo()` (env) */
  service?: ServiceInfoOptions;
  /** A prom-client registry to share; its default labels are left alone. @default a new one */
  registry?: Registry<RegistryContentType>;
  /**
   * prom-client's process and Node.js metrics (event-loop lag percentiles included) plus system
   * metrics: load, memory (cgroup-aware), disk per mount, network bytes. `{ disks }` picks the
   * mounts. @default true (disks: ['/'])
   */
  collectDefaultMetrics?: boolean | { disks?: string[] };
  /** Series per metric before new label values go to the `__overflow__` series. @default 2000 */
  maxSeriesPerMetric?: number;
  /** How long one metric's collector may take during a scrape. @default 1000 */
  collectTimeoutMs?: number;
  /** Sampled trace ids as exemplars on histogram observations. @default true */
  exemplars?: boolean;
  /** The span `windowStats()` summarizes. @default 60_000 */
  statsWindowMs?: number;
  /**
   * false turns every call into a no-op: nothing recorded, no metric registered (a shared
   * `registry` keeps only its own), no middleware work, no metrics server (seed 003's
   * `configure_metrics(enabled=False)`).
   * @default env `METRICS_ENABLED` ('false' or '0' disables), else true
   */
  enabled?: boolean;
  /**
   * Also push every recording to StatsD/DogStatsD (over UDP, with hot-shots, an optional peer
   * dependency: `npm install hot-shots`) or the console (seed 003's backends); the Prometheus
   * registry keeps working alongside. @default none
   */
  backend?: BackendOptions;
}

export interface Metrics {
  readonly registry: Registry<RegistryContentType>;
  counter(config: MetricConfig): Counter;
  gauge(config: GaugeConfig): Gauge;
  histogram(config: HistogramConfig): Histogram;
  summary(config: SummaryConfig): Summary;
  /** An info metric: a gauge of 1 whose labels carry the facts (`build_info{version="1.2.3"}`). */
  info(name: string, help: string, labels: Record<string, string>): Gauge;
  /** Starts timing into histogram `name` (created on first use); call the result to observe. */
  timer(name: string, labels?: LabelValues): () => number;
  /** Seed 003's helpers: the metric is created on first use, its label names from `labels`. */
  incrementCounter(name: string, labels?: LabelValues, value?: number): void;
  setGauge(name: string, value: number, labels?: LabelValues): void;
  /**
   * `options.buckets` are used when the histogram is made (its first use); by default size
   * buckets (100 B … 10 MB) for a name ending in `_bytes`, else DEFAULT_BUCKETS (seconds).
   */
  observe(
    name: string,
    value: number,
    labels?: LabelValues,
    options?: Pick<HistogramConfig, 'buckets'>,
  ): void;
  /** Wraps `fn` (sync or async) to observe its duration into histogram `name`, errors included. */
  recordTimer(name: string, labels?: LabelValues): <R>(fn: () => R) => R;
  /**
   * count/min/max/mean/median/p95/p99 of histogram `name`'s observations (all series) over the
   * last `statsWindowMs`, for in-process use (alerts, dashboards). `undefined` for no such histogram.
   */
  windowStats(name: string): WindowStats | undefined;
  /** The exposition for `contentType` (text 0.0.4 unless it names OpenMetrics). */
  metricsText(contentType?: string): Promise<string>;
  /** Sets every metric back to empty. */
  reset(): void;
  /** Removes this object's metrics from the registry. */
  shutdown(): Promise<void>;
}

const ACTIVE_TOTALS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

const schema = z.strictObject({
  prefix: z
    .string()
    .regex(/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/, 'expected a metric name prefix')
    .optional(),
  // `le` and `quantile` belong to histograms and summaries; `__` names to Prometheus.
  defaultLabels: z
    .record(
      z
        .string()
        .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)
        .refine(
          (k) => k !== 'le' && k !== 'quantile' && !k.startsWith('__'),
          'a reserved label name',
        ),
      z.string(),
    )
    .optional(),
  service: z
    .strictObject({
      name: z.string().optional(),
      version: z.string().optional(),
      environment: z.string().optional(),
      instanceId: z.string().optional(),
    })
    .optional(),
  registry: z.instanceof(Registry).optional(),
  collectDefaultMetrics: z
    .union([z.boolean(), z.strictObject({ disks: z.array(z.string().min(1)).optional() })])
    .optional(),
  maxSeriesPerMetric: z.number().int().min(1).optional(),
  collectTimeoutMs: z.number().int().min(1).optional(),
  exemplars: z.boolean().optional(),
  statsWindowMs: z.number().int().min(1000).optional(),
  enabled: z.boolean().optional(),
  backend: z
    .discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('statsd'),
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        prefix: z.string().optional(),
        tags: z.record(z.string(), z.string()).optional(),
      }),
      z.strictObject({ type: z.literal('console'), write: z.function().optional() }),
    ])
    .optional(),
});

type AnyMetric = Counter | Gauge | Histogram | Summary;

/** Factories that skip the prefix, for metrics whose names are conventions (`http_*`). */
export interface RawFactories {
  counter(config: MetricConfig): Counter;
  gauge(config: GaugeConfig): Gauge;
  histogram(config: HistogramConfig): Histogram;
  /** The exposition writer's collector timeout. */
  readonly collectTimeoutMs: number;
  readonly enabled: boolean;
}

const raw = new WeakMap<Metrics, RawFactories>();

const OVERFLOW_COUNTER = 'obs_metrics_series_overflow_total';
/** How many live metrics objects use each registry (they share its overflow counter). */
const sharers = new WeakMap<Registry<RegistryContentType>, number>();
/**
 * prom-client's default metrics and the system metrics of a registry, registered by the first
 * createMetrics() that collects them (they describe the process, once), removed by the last
 * sharer's shutdown().
 */
const processMetrics = new WeakMap<Registry<RegistryContentType>, Map<string, unknown>>();

/** The unprefixed factories of a metrics object (for this package's middleware). */
export function rawFactories(metrics: Metrics): RawFactories {
  const found = raw.get(metrics);
  if (!found)
    throw new ObsConfigError(
      'metrics',
      `expected the object returned by createMetrics(), ${received(metrics)}`,
    );
  return found;
}

/**
 * Creates the metrics of one service on a prom-client registry: counters, gauges and histograms
 * with a cardinality guard and trace exemplars, seed 003's name-based helpers, and a fast
 * exposition writer. prom-client's default process metrics are on by default.
 *
 * @throws ObsConfigError naming the bad option.
 * @example
 * ```ts
 * const metrics = createMetrics({ service: { name: 'analytics' } });
 * const credits = metrics.counter({ name: 'analytics_credits_consumed_total', help: 'Credits consumed', labelNames: ['workspace_id', 'agent_id'] });
 * credits.inc({ workspace_id: 'w1', agent_id: 'a1' }, 12);
 * ```
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const o = parsed.data;
  const service = resolveServiceInfo(o.service);
  const registry: Registry<RegistryContentType> = o.registry ?? new Registry();
  const defaultLabels = o.defaultLabels ?? {
    service: service.name,
    environment: service.environment,
  };
  // On our own registry they are the registry's, which every writer adds (ours, registry.metrics(),
  // Pushgateway, cluster aggregation). A shared registry's default labels belong to whoever shared
  // it: there our metrics carry them as labels of their own, in every writer alike.
  if (!o.registry) registry.setDefaultLabels(defaultLabels);
  const labels = o.registry ? defaultLabels : {};
  // prom-client users write 'my_app_'; 'my_app' must not give 'my_apprequests_total'.
  const prefix = !o.prefix || /[_:]$/.test(o.prefix) ? (o.prefix ?? '') : `${o.prefix}_`;
  const collectTimeoutMs = o.collectTimeoutMs ?? 1000;
  const envEnabled = process.env.METRICS_ENABLED?.trim().toLowerCase();
  const enabled = o.enabled ?? !(envEnabled === 'false' || envEnabled === '0');
  const backend = enabled && o.backend ? createBackend(o.backend as BackendOptions) : undefined;
  const owned = new Map<string, AnyMetric>();
  let closed = false;

  const exemplar = (): Readonly<Record<string, string>> | undefined => {
    const ids = getTraceIds();
    // Only sampled traces: an exemplar must point at a trace the backend actually has.
    return ids && (ids.traceFlags & 1) === 1 ? { trace_id: ids.traceId } : undefined;
  };

  // The overflow counter is itself a metric of this context: filled in right below.
  const overflow: { counter?: Counter } = {};
  const context: MetricContext = {
    maxSeries: o.maxSeriesPerMetric ?? 2000,
    onOverflow: (metric) => overflow.counter?.inc({ metric }),
    exemplar: o.exemplars === false ? () => undefined : exemplar,
    windowMs: o.statsWindowMs ?? 60_000,
    enabled,
    tap: backend?.tap,
    labels,
  };

  function register<M extends AnyMetric>(metric: M): M {
    const { name } = metric;
    const existing = owned.get(name);
    if (existing) {
      if (existing.type !== metric.type) {
        throw new ObsConfigError('name', `${name} is already a ${existing.type}`);
      }
      return existing as M;
    }
    // Disabled, our metrics stay out of the registry: no HELP/TYPE without samples.
    if (enabled)
      registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
    owned.set(name, metric);
    return metric;
  }

  // One overflow counter per registry: a second createMetrics() on a shared registry counts into
  // the first one's, which stays registered until the last of them shuts down.
  sharers.set(registry, (sharers.get(registry) ?? 0) + 1);
  const sharedOverflow = registry.getSingleMetric(OVERFLOW_COUNTER);
  overflow.counter =
    sharedOverflow instanceof Counter
      ? sharedOverflow
      : register(
          new Counter(
            {
              name: OVERFLOW_COUNTER,
              help: 'Observations that landed in an __overflow__ series because a metric reached its series cap.',
              labelNames: ['metric'],
            },
            // One series per metric name, whatever cap the metrics get.
            { ...context, maxSeries: 10_000, onOverflow: () => undefined },
          ),
        );

  // Once per registry, and not where the team collects prom-client's defaults itself.
  if (
    enabled &&
    o.collectDefaultMetrics !== false &&
    !processMetrics.has(registry) &&
    !registry.getSingleMetric('process_cpu_user_seconds_total')
  ) {
    const defaults = new Map<string, unknown>();
    const before = new Set(registry.getMetricsAsArray());
    collectDefaultMetrics({ register: registry, labels });
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges named like
    // counters, which promtool rejects; the same counts stay available per type without _total.
    for (const name of ACTIVE_TOTALS) registry.removeSingleMetric(name);
    const disks =
      typeof o.collectDefaultMetrics === 'object' ? o.collectDefaultMetrics.disks : undefined;
    registerSystemMetrics(registry, disks ?? ['/'], labels);
    for (const metric of registry.getMetricsAsArray())
      if (!before.has(metric)) defaults.set(metric.name, metric);
    processMetrics.set(registry, defaults);
  }

  const unprefixed = {
    counter: (config: MetricConfig) => register(new Counter(config, context)),
    gauge: (config: GaugeConfig) => register(new Gauge(config, context)),
    histogram: (config: HistogramConfig) => register(new Histogram(config, context)),
  };

  const named = <C extends MetricConfig>(config: C): C => {
    if (!isObject(config))
      throw new ObsConfigError(
        'config',
        `expected { name, help, labelNames? }, ${received(config)}`,
      );
    // Checked before prefixing: `${prefix}${undefined}` would be a valid name, "undefined".
    return { ...config, name: `${prefix}${nonEmptyString(config.name, 'name')}` };
  };

  const byName = <M extends AnyMetric>(
    kind: M['type'],
    name: string,
    labels: LabelValues | undefined,
    make: () => M,
  ): M | undefined => {
    const existing = owned.get(`${prefix}${name}`);
    if (existing) {
      if (existing.type === kind) return existing as M;
      reportInternalError(
        new Error(`${prefix}${name} is a ${existing.type}, not a ${kind}`),
        '@obs/metrics',
      );
      return undefined;
    }
    try {
      checkLabelNames(Object.keys(labels ?? {}));
      return make();
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
      return undefined;
    }
  };

  const metrics: Metrics = {
    registry,
    counter: (config) => unprefixed.counter(named(config)),
    gauge: (config) => unprefixed.gauge(named(config)),
    histogram: (config) => unprefixed.histogram(named(config)),
    summary: (config) => register(new Summary(named(config), context)),
    info(name, help, labels) {
      if (!isObject(labels))
        throw new ObsConfigError('labels', `expected { label: 'value' }, ${received(labels)}`);
      for (const [label, value] of Object.entries(labels)) {
        // The labels are the facts (`version`): an unset environment variable must not become "".
        if (typeof value !== 'string')
          throw new ObsConfigError(`labels.${label}`, `expected a string, ${received(value)}`);
      }
      // Facts about the process, alike in every cluster worker: taken once, not summed.
      const gauge = metrics.gauge({
        name,
        help,
        labelNames: Object.keys(labels),
        aggregator: 'first',
      });
      gauge.set(labels, 1);
      return gauge;
    },
    timer(name, labels) {
      const histogram = byName('histogram', name, labels, () =>
        metrics.histogram({ name, help: name, labelNames: Object.keys(labels ?? {}) }),
      );
      const started = performance.now();
      return () => {
        const seconds = (performance.now() - started) / 1000;
        histogram?.observe(labels ?? {}, seconds);
        return seconds;
      };
    },
    incrementCounter(name, labels, value = 1) {
      byName('counter', name, labels, () =>
        metrics.counter({ name, help: name, labelNames: Object.keys(labels ?? {}) }),
      )?.inc(labels ?? {}, value);
    },
    setGauge(name, value, labels) {
      byName('gauge', name, labels, () =>
        metrics.gauge({ name, help: name, labelNames: Object.keys(labels ?? {}) }),
      )?.set(labels ?? {}, value);
    },
    observe(name, value, labels, options) {
      byName('histogram', name, labels, () =>
        metrics.histogram({
          name,
          help: name,
          labelNames: Object.keys(labels ?? {}),
          buckets: options?.buckets ?? (name.endsWith('_bytes') ? SIZE_BUCKETS : undefined),
        }),
      )?.observe(labels ?? {}, value);
    },
    recordTimer(name, labels) {
      return <R>(fn: () => R): R => {
        const end = metrics.timer(name, labels);
        let result: R;
        try {
          result = fn();
        } catch (err) {
          end();
          throw err;
        }
        if (result instanceof Promise) {
          return result.finally(end) as R;
        }
        end();
        return result;
      };
    },
    windowStats(name) {
      const metric = owned.get(name) ?? owned.get(`${prefix}${name}`);
      return metric instanceof Histogram ? metric.window?.stats() : undefined;
    },
    metricsText(contentType = PROMETHEUS_CONTENT_TYPE) {
      return expose(registry, {
        openMetrics: contentType.includes('openmetrics'),
        collectTimeoutMs,
      });
    },
    reset() {
      for (const metric of owned.values()) metric.reset();
    },
    async shutdown() {
      await backend?.close();
      if (closed) return;
      closed = true;
      const others = (sharers.get(registry) ?? 1) - 1;
      sharers.set(registry, others);
      for (const [name, metric] of owned) {
        // Disabled, it was never registered: the registry's metric of that name is someone else's.
        if (name !== OVERFLOW_COUNTER && registry.getSingleMetric(name) === metric)
          registry.removeSingleMetric(name);
      }
      if (others === 0) {
        for (const [name, metric] of processMetrics.get(registry) ?? [])
          if (registry.getSingleMetric(name) === metric) registry.removeSingleMetric(name);
        processMetrics.delete(registry);
      }
      if (others === 0 && registry.getSingleMetric(OVERFLOW_COUNTER) === overflow.counter)
        registry.removeSingleMetric(OVERFLOW_COUNTER);
      owned.clear();
      await Promise.resolve();
    },
  };
  raw.set(metrics, {
    ...unprefixed,
    collectTimeoutMs,
    enabled,
  });
  return metrics;
}

export { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE };
