import type { Exemplar } from './histogram';
import type { LabelValues } from './labels';
import {
  badValue,
  ObsMetric,
  type ExemplarOptions,
  type MetricConfig,
  type MetricContext,
  type Snapshot,
} from './metric';
import { hasKeys, isObject } from './options';
import type { Series } from './series';

export interface CounterSeries extends Series {
  value: number;
  /** The latest exemplar given through prom-client's exemplar API (OpenMetrics only). */
  exemplar?: Exemplar;
}

/** A label child of a counter (prom-client's `Counter.Internal`). */
export interface CounterChild {
  inc(value?: number): void;
}

/**
 * A monotonically increasing count, with prom-client's Counter API. Decreases and non-numbers are
 * reported through core's internal-error handler and ignored, where prom-client throws.
 */
export class Counter extends ObsMetric<CounterSeries> {
  readonly type = 'counter' as const;

  constructor(config: MetricConfig, context: MetricContext) {
    super(config, context);
    this.zeroUnlabelled();
  }

  protected zeroSeries(series: CounterSeries): void {
    series.value = 0;
    series.exemplar = undefined;
  }

  protected newSeries(labels: Record<string, string>, labelText: string): CounterSeries {
    return { labels, labelText, value: 0 };
  }

  /**
   * `inc()`, `inc(5)`, `inc({ route: '/x' })`, `inc({ route: '/x' }, 5)`; on a counter made with
   * `enableExemplars`, `inc({ labels, value, exemplarLabels })`.
   */
  inc(value?: number): void;
  inc(labels: LabelValues, value?: number): void;
  inc(options: ExemplarOptions): void;
  inc(labels?: LabelValues | ExemplarOptions | number, value?: number): void {
    let given: LabelValues | undefined;
    let amount: number;
    let exemplarLabels: ExemplarOptions['exemplarLabels'];
    if (typeof labels === 'number' || labels === undefined) amount = labels ?? 1;
    else if (this.enableExemplars && isObject(labels)) {
      ({ labels: given, value: amount = 1, exemplarLabels } = labels as ExemplarOptions);
    } else {
      given = labels as LabelValues;
      amount = value ?? 1;
    }
    // A bad value creates no series.
    if (!this.countable(amount)) return;
    const series = this.seriesOf(given);
    if (!this.add(series, amount) || !exemplarLabels || !hasKeys(exemplarLabels)) return;
    series!.exemplar = { labels: exemplarLabels, value: amount, timestamp: Date.now() / 1000 };
  }

  /** Whether a counter may add `value`; reports it when not. */
  private countable(value: number): boolean {
    if (value >= 0 && Number.isFinite(value)) return true;
    badValue(this.name, value, 'is not a finite number ≥ 0 (counters only go up)');
    return false;
  }

  /** A child bound to label values, in `labelNames` order or as one object. */
  labels(...values: (string | number)[]): CounterChild;
  labels(labels: LabelValues): CounterChild;
  labels(...args: unknown[]): CounterChild {
    const series = this.bind(args);
    return {
      inc: (value = 1) => {
        if (this.countable(value)) this.add(series(), value);
      },
    };
  }

  /** Adds to a series; false when nothing was added (no series, or a bad value). */
  add(series: CounterSeries | undefined, value: number): boolean {
    if (!series || !this.countable(value)) return false;
    series.value += value;
    this.tap?.('count', this.name, value, series.labels);
    return true;
  }

  get(): Promise<Snapshot> {
    const values = [...this.allSeries()].map((s) => ({ labels: s.labels, value: s.value }));
    return Promise.resolve(this.snapshot(values));
  }
}
