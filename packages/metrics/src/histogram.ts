import { ObsConfigError } from '@obs/core';
import type { LabelValues } from './labels';
import {
  badValue,
  ObsMetric,
  type ExemplarOptions,
  type Sample,
  type Snapshot,
  type MetricConfig,
  type MetricContext,
} from './metric';
import { hasKeys, isObject } from './options';
import type { Series } from './series';
import { SlidingWindow } from './window';

/** The seeds' HTTP latency buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Body and payload sizes, in bytes: 100 B … 10 MB, by powers of ten. */
export const SIZE_BUCKETS: readonly number[] = [100, 1000, 10_000, 100_000, 1_000_000, 10_000_000];

export interface Exemplar {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Seconds since the epoch. */
  readonly timestamp: number;
}

export interface HistogramSeries extends Series {
  /** Observations per bucket (not cumulative), the last slot for +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  /** The latest exemplar per bucket (OpenMetrics keeps one per bucket). */
  readonly exemplars: (Exemplar | undefined)[];
}

export interface HistogramConfig extends MetricConfig {
  /** Upper bounds, increasing. @default DEFAULT_BUCKETS (0.005 … 10 s) */
  buckets?: readonly number[];
  /** Attach the sampled trace's id to observations as exemplars. @default true */
  exemplars?: boolean;
  /** Keep the recent-observations window behind `windowStats()`. @default true */
  window?: boolean;
}

/** A label child of a histogram (prom-client's `Histogram.Internal`). */
export interface HistogramChild {
  observe(value: number): void;
  /** The returned function observes the elapsed seconds (with the end labels, if any) and returns them. */
  startTimer(): (endLabels?: LabelValues) => number;
}

/**
 * Observations counted into buckets, with their sum and count, with prom-client's Histogram API.
 * Non-finite values are reported and ignored.
 */
export class Histogram extends ObsMetric<HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];
  /** Recent observations across all series, for `windowStats()`; none with `window: false`. */
  readonly window: SlidingWindow | undefined;
  private readonly exemplar: MetricContext['exemplar'] | undefined;

  constructor(config: HistogramConfig, context: MetricContext) {
    super(config, context);
    const buckets = config.buckets ?? DEFAULT_BUCKETS;
    if (
      !Array.isArray(buckets) ||
      buckets.length === 0 ||
      buckets.some(
        (b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!),
      )
    ) {
      throw new ObsConfigError(
        'buckets',
        `${config.name}: expected finite, strictly increasing numbers`,
      );
    }
    if (this.labelNames.includes('le'))
      throw new ObsConfigError(
        'labelNames',
        `${config.name}: "le" is reserved for histogram buckets`,
      );
    this.buckets = buckets;
    this.exemplar = config.exemplars === false ? undefined : context.exemplar;
    this.window = config.window === false ? undefined : new SlidingWindow(context.windowMs);
    this.zeroUnlabelled();
  }

  protected zeroSeries(series: HistogramSeries): void {
    series.counts.fill(0);
    series.sum = 0;
    series.count = 0;
    series.exemplars.length = 0;
  }

  protected newSeries(labels: Record<string, string>, labelText: string): HistogramSeries {
    return {
      labels,
      labelText,
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
      exemplars: [],
    };
  }

  /**
   * `observe(0.2)` or `observe({ route: '/x' }, 0.2)`; on a histogram made with
   * `enableExemplars`, `observe({ labels, value, exemplarLabels })`.
   */
  observe(valueOrOptions: number | ExemplarOptions): void;
  observe(labels: LabelValues, value: number): void;
  observe(labels: LabelValues | ExemplarOptions | number, value?: number): void {
    if (typeof labels === 'number') this.observeIn(undefined, labels);
    else if (this.enableExemplars && isObject(labels)) {
      const options = labels as ExemplarOptions;
      this.observeIn(options.labels, options.value ?? NaN, options.exemplarLabels);
    } else this.observeIn(labels as LabelValues, value ?? NaN);
  }

  /** Records into the series of `labels`, which a bad value does not create. */
  private observeIn(
    labels: LabelValues | undefined,
    value: number,
    exemplarLabels?: Readonly<Record<string, string>>,
  ): void {
    if (this.observable(value)) this.record(this.seriesOf(labels), value, exemplarLabels);
  }

  private observable(value: number): boolean {
    if (typeof value === 'number' && Number.isFinite(value)) return true;
    badValue(this.name, value, 'is not a finite number');
    return false;
  }

  /**
   * Starts a timer; the returned function observes the elapsed seconds under the start labels
   * merged with the end labels (and, with `enableExemplars`, the exemplar labels likewise), and
   * returns them.
   */
  startTimer(
    labels?: LabelValues,
    exemplarLabels?: Readonly<Record<string, string>>,
  ): (endLabels?: LabelValues, endExemplarLabels?: Readonly<Record<string, string>>) => number {
    const started = performance.now();
    return (endLabels, endExemplarLabels) => {
      const seconds = (performance.now() - started) / 1000;
      const exemplar =
        this.enableExemplars && (exemplarLabels || endExemplarLabels)
          ? { ...exemplarLabels, ...endExemplarLabels }
          : undefined;
      this.observeIn({ ...labels, ...endLabels }, seconds, exemplar);
      return seconds;
    };
  }

  /** A child bound to label values, in `labelNames` order or as one object. */
  labels(...values: (string | number)[]): HistogramChild;
  labels(labels: LabelValues): HistogramChild;
  labels(...args: unknown[]): HistogramChild {
    const series = this.bind(args);
    return {
      observe: (value) => this.observable(value) && this.record(series(), value),
      startTimer: () => {
        const started = performance.now();
        return (endLabels) => {
          const seconds = (performance.now() - started) / 1000;
          if (!endLabels) this.record(series(), seconds);
          else {
            const labels = this.labelsOf(args);
            if (labels) this.observeIn({ ...labels, ...endLabels }, seconds);
          }
          return seconds;
        };
      },
    };
  }

  /**
   * Counts one observation into a series. Exemplar labels given (prom-client's API) are kept as
   * the bucket's exemplar; otherwise the sampled trace's id is, when exemplars are on.
   */
  record(
    series: HistogramSeries | undefined,
    value: number,
    exemplarLabels?: Readonly<Record<string, string>>,
  ): void {
    if (!series || !this.observable(value)) return;
    const { buckets } = this;
    let i = 0;
    while (i < buckets.length && value > buckets[i]!) i++;
    series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
    this.window?.record(value);
    this.tap?.('observe', this.name, value, series.labels);
    // No exemplar labels (none, or {}, which prom-client skips too): the sampled trace's, if on.
    const labels = exemplarLabels && hasKeys(exemplarLabels) ? exemplarLabels : this.exemplar?.();
    if (labels) series.exemplars[i] = { labels, value, timestamp: Date.now() / 1000 };
  }

  get(): Promise<Snapshot> {
    const values: Sample[] = [];
    for (const s of this.allSeries()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i]!;
        const le = i < this.buckets.length ? this.buckets[i]! : '+Inf';
        values.push({
          labels: { ...s.labels, le },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({
        labels: s.labels,
        value: s.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: s.labels,
        value: s.count,
        metricName: `${this.name}_count`,
      });
    }
    return Promise.resolve(this.snapshot(values));
  }
}
