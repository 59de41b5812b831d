import type { Aggregator } from 'prom-client';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { checkLabelNames, checkMetricName, type LabelValues } from './labels';
import { hasKeys, isObject, received } from './options';
import type { Tap } from './backend';
import { SeriesStore, type OverflowCounter, type Series } from './series';

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One sample of `get()`: what prom-client's registry formats (and the cluster aggregator sums). */
export interface Sample {
  labels: Readonly<Record<string, string | number>>;
  value: number;
  metricName?: string;
}

/** The shape prom-client's `Registry` reads from every metric it holds. */
export interface Snapshot {
  name: string;
  help: string;
  type: MetricKind;
  /** How the cluster aggregator combines the workers' values. */
  aggregator: Aggregator;
  values: Sample[];
}

/** What every metric factory takes. */
export interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /**
   * prom-client's exemplar API: `inc({ labels, value, exemplarLabels })` on a counter and
   * `observe({ labels, value, exemplarLabels })` on a histogram, instead of the positional forms.
   * Exemplars are written in the OpenMetrics format only. @default false
   */
  enableExemplars?: boolean;
  /**
   * How prom-client's cluster `AggregatorRegistry` combines the workers' values: `'sum'`,
   * `'first'`, `'min'`, `'max'`, `'average'` or `'omit'`. @default 'sum'
   */
  aggregator?: Aggregator;
}

const AGGREGATORS: readonly Aggregator[] = ['sum', 'first', 'min', 'max', 'average', 'omit'];

/** `config.aggregator` checked, or 'sum'. */
export function aggregatorOf(config: { name: string; aggregator?: unknown }): Aggregator {
  const { aggregator = 'sum' } = config;
  if (!AGGREGATORS.includes(aggregator as Aggregator))
    throw new ObsConfigError(
      'aggregator',
      `${config.name}: expected one of ${AGGREGATORS.join(', ')}, ${received(aggregator)}`,
    );
  return aggregator as Aggregator;
}

/** prom-client's argument to `inc()` and `observe()` of a metric made with `enableExemplars`. */
export interface ExemplarOptions {
  labels?: LabelValues;
  value?: number;
  exemplarLabels?: Readonly<Record<string, string>>;
}

/** Settings a metric gets from its registry (createMetrics). */
export interface MetricContext {
  readonly maxSeries: number;
  readonly onOverflow: OverflowCounter;
  /** false: metrics record nowhere and expose nothing (seed 003's configure_metrics(enabled)). */
  readonly enabled: boolean;
  /** Forwards every recording to a push backend (StatsD, console), when one is set. */
  readonly tap: Tap | undefined;
  /** The span `windowStats()` covers. */
  readonly windowMs: number;
  /**
   * Labels on every series of the metric, in every writer (createMetrics's default labels, on a
   * registry shared with others: there prom-client's default labels are not ours to set).
   */
  readonly labels: Readonly<Record<string, string>>;
  /** Exemplar labels for an observation made now (the sampled trace), if any. */
  readonly exemplar: () => Readonly<Record<string, string>> | undefined;
}

/**
 * The shared part of our metric types. They implement prom-client's metric interface (`name`,
 * `help`, `type`, `aggregator`, `get()`, `reset()`), so a prom-client `Registry` holds them next to
 * its own metrics: `registry.metrics()`, the Pushgateway and the cluster aggregator all work. What
 * they add: series looked up by label values without re-hashing objects, each series' label text
 * rendered once, and the cardinality guard.
 */
export abstract class ObsMetric<S extends Series> {
  abstract readonly type: MetricKind;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** `context.labels` but those the metric has as label names (its own values win). */
  readonly constLabels: Readonly<Record<string, string>>;
  readonly aggregator: Aggregator;
  /** Whether `inc()`/`observe()` take prom-client's `{ labels, value, exemplarLabels }`. */
  readonly enableExemplars: boolean;
  protected readonly store: SeriesStore<S>;
  protected readonly tap: Tap | undefined;

  constructor(config: MetricConfig, context: MetricContext) {
    if (!isObject(config))
      throw new ObsConfigError(
        'config',
        `expected { name, help, labelNames? }, ${received(config)}`,
      );
    this.name = checkMetricName(config.name);
    if (typeof config.help !== 'string' || config.help === '')
      throw new ObsConfigError(
        'help',
        `${config.name}: expected a help text, ${received(config.help)}`,
      );
    this.help = config.help;
    this.labelNames = checkLabelNames(config.labelNames);
    this.constLabels = constLabels(context.labels, this.labelNames);
    this.store = new SeriesStore(
      this.name,
      this.labelNames,
      context.maxSeries,
      (labels, text) => this.newSeries(labels, text),
      context.onOverflow,
      context.enabled,
    );
    this.tap = context.enabled ? context.tap : undefined;
    if (config.enableExemplars !== undefined && typeof config.enableExemplars !== 'boolean')
      throw new ObsConfigError(
        'enableExemplars',
        `${config.name}: expected a boolean, ${received(config.enableExemplars)}`,
      );
    this.enableExemplars = config.enableExemplars === true;
    this.aggregator = aggregatorOf(config);
  }

  /**
   * A metric without labels has its one series from the start, at 0, as in prom-client (so
   * `rate()` and `absent()` see it before its first event). Each subclass calls it last in its
   * constructor, once its series can be made.
   */
  protected zeroUnlabelled(): void {
    if (this.labelNames.length === 0) this.store.get([]);
  }

  protected abstract newSeries(labels: Record<string, string>, labelText: string): S;

  /** Series currently held (overflow series included). */
  get seriesCount(): number {
    return this.store.size;
  }

  /** The series for label values in `labelNames` order (no object, no hashing: the fast path). */
  series(...values: (string | number)[]): S {
    return this.store.get(values.map(String));
  }

  /** Iterates the series, for the exposition writer. */
  allSeries(): IterableIterator<S> {
    return this.store.values();
  }

  protected seriesOf(labels: LabelValues | undefined): S | undefined {
    try {
      return this.store.getByObject(labels);
    } catch (err) {
      // A wrong label is a bug in the caller, but telemetry must not break the request.
      reportInternalError(err, '@obs/metrics');
      return undefined;
    }
  }

  /**
   * The series of prom-client-style label arguments (values in order, or one object), kept for a
   * label child: looked up again after `reset()` or `remove()` took it out. Wrong labels are
   * reported once, here, and the child records nothing.
   */
  protected bind(args: readonly unknown[]): () => S | undefined {
    let values: string[];
    try {
      values = this.store.valuesOf(args);
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
      return () => undefined;
    }
    // Made on first use, as prom-client's are: a child alone exposes nothing.
    let series: S | undefined;
    return () => (!series || series.detached ? (series = this.store.get(values)) : series);
  }

  /**
   * prom-client-style label arguments as one `{ name: value }` object, for a child's timer ended
   * with more labels; undefined when they are wrong (`bind()` reported that already).
   */
  protected labelsOf(args: readonly unknown[]): Record<string, string> | undefined {
    try {
      const values = this.store.valuesOf(args);
      return Object.fromEntries(this.labelNames.map((name, i) => [name, values[i]!]));
    } catch {
      return undefined;
    }
  }

  /** Removes the series of these label values (in order, or one object), as prom-client does. */
  remove(...labels: (string | number)[] | [LabelValues]): void {
    try {
      this.store.delete(this.store.valuesOf(labels));
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
    }
  }

  /**
   * Sets the series of these labels to 0, creating it: exposed before its first event, as
   * prom-client's `Histogram.zero()` does (here on every metric type).
   */
  zero(labels?: LabelValues): void {
    const series = this.seriesOf(labels);
    if (series) this.zeroSeries(series);
  }

  protected abstract zeroSeries(series: S): void;

  /** Takes every series out; a metric without labels keeps its one series, at 0. */
  reset(): void {
    this.store.clear();
    this.zeroUnlabelled();
  }

  abstract get(): Promise<Snapshot>;

  protected snapshot(values: Sample[]): Snapshot {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: withLabels(values, this.constLabels),
      aggregator: this.aggregator,
    };
  }
}

/** `labels` but those named in `labelNames`. */
export function constLabels(
  labels: Readonly<Record<string, string>>,
  labelNames: readonly string[],
): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !labelNames.includes(k)));
}

/**
 * Samples with `labels` added after their own, as prom-client's registry adds its defaults: a
 * sample's own label of the same name wins.
 */
export function withLabels<V extends { labels: object }>(
  values: V[],
  labels: Readonly<Record<string, string>>,
): V[] {
  return hasKeys(labels)
    ? values.map((v) => ({ ...v, labels: { ...v.labels, ...missing(labels, v.labels) } }))
    : values;
}

/** The entries of `labels` whose names `own` lacks. */
function missing(labels: Readonly<Record<string, string>>, own: object): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !(k in own)));
}

export function badValue(metric: string, value: unknown, why: string): void {
  reportInternalError(
    new Error(`${metric}: ${String(value)} ${why}; observation ignored`),
    '@obs/metrics',
  );
}
