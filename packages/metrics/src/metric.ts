import { ObsConfigError, reportInternalError } from '@obs/core';
import { checkLabelNames, checkMetricName, type LabelValues } from './labels';
import { isObject, received } from './options';
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
  aggregator: 'sum';
  values: Sample[];
}

/** What every metric factory takes. */
export interface MetricConfig {
  name: string;
  help: string;
  labelNames?: readonly string[];
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
  readonly aggregator = 'sum' as const;
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
    this.store = new SeriesStore(
      this.name,
      this.labelNames,
      context.maxSeries,
      (labels, text) => this.newSeries(labels, text),
      context.onOverflow,
      context.enabled,
    );
    this.tap = context.enabled ? context.tap : undefined;
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

  reset(): void {
    this.store.clear();
  }

  abstract get(): Promise<Snapshot>;

  protected snapshot(values: Sample[]): Snapshot {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }
}

export function badValue(metric: string, value: unknown, why: string): void {
  reportInternalError(
    new Error(`${metric}: ${String(value)} ${why}; observation ignored`),
    '@obs/metrics',
  );
}
