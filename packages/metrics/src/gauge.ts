import type { LabelValues } from './labels';
import {
  badValue,
  ObsMetric,
  type Snapshot,
  type MetricConfig,
  type MetricContext,
} from './metric';
import type { Series } from './series';

export interface GaugeSeries extends Series {
  value: number;
}

export interface GaugeConfig extends MetricConfig {
  /**
   * Computes the value at scrape time (`this` is the gauge: call `this.set(...)`). A collector
   * that is slow is cut off by the scrape's timeout, so it cannot stall `/metrics`.
   */
  collect?: (this: Gauge) => void | Promise<void>;
}

/** A label child of a gauge (prom-client's `Gauge.Internal`). */
export interface GaugeChild {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
  setToCurrentTime(): void;
  /** The returned function sets the child (with the end labels, if any) to the elapsed seconds and returns them. */
  startTimer(): (endLabels?: LabelValues) => number;
}

/** A value that goes up and down, with prom-client's Gauge API. Non-numbers are reported and ignored. */
export class Gauge extends ObsMetric<GaugeSeries> {
  readonly type = 'gauge' as const;
  private readonly collector: GaugeConfig['collect'];

  constructor(config: GaugeConfig, context: MetricContext) {
    super(config, context);
    this.collector = config.collect;
    this.zeroUnlabelled();
  }

  protected zeroSeries(series: GaugeSeries): void {
    series.value = 0;
  }

  protected newSeries(labels: Record<string, string>, labelText: string): GaugeSeries {
    return { labels, labelText, value: 0 };
  }

  /** `set(3)` or `set({ state: 'idle' }, 3)`. */
  set(value: number): void;
  set(labels: LabelValues, value: number): void;
  set(labels: LabelValues | number, value?: number): void {
    if (typeof labels === 'number') this.update(undefined, labels, false);
    else this.update(labels, value as number, false); // undefined is reported
  }

  inc(value?: number): void;
  inc(labels: LabelValues, value?: number): void;
  inc(labels?: LabelValues | number, value?: number): void {
    if (typeof labels === 'number' || labels === undefined)
      this.update(undefined, labels ?? 1, true);
    else this.update(labels, value ?? 1, true);
  }

  dec(value?: number): void;
  dec(labels: LabelValues, value?: number): void;
  dec(labels?: LabelValues | number, value?: number): void {
    if (typeof labels === 'number' || labels === undefined)
      this.update(undefined, -(labels ?? 1), true);
    else this.update(labels, -(value ?? 1), true);
  }

  /** Sets the gauge to the current time, in seconds since the epoch. */
  setToCurrentTime(labels?: LabelValues): void {
    this.update(labels, Date.now() / 1000, false);
  }

  /**
   * Starts a timer; the returned function sets the gauge to the elapsed seconds, under the start
   * labels merged with the end labels, and returns them.
   */
  startTimer(labels?: LabelValues): (endLabels?: LabelValues) => number {
    const started = performance.now();
    return (endLabels) => {
      const seconds = (performance.now() - started) / 1000;
      this.update({ ...labels, ...endLabels }, seconds, false);
      return seconds;
    };
  }

  /** A child bound to label values, in `labelNames` order or as one object. */
  labels(...values: (string | number)[]): GaugeChild;
  labels(labels: LabelValues): GaugeChild;
  labels(...args: unknown[]): GaugeChild {
    const series = this.bind(args);
    return {
      set: (v) => this.settable(v) && this.write(series(), v, false),
      inc: (v = 1) => this.settable(v) && this.write(series(), v, true),
      dec: (v = 1) => this.settable(v) && this.write(series(), -v, true),
      setToCurrentTime: () => this.write(series(), Date.now() / 1000, false),
      startTimer: () => {
        const started = performance.now();
        return (endLabels) => {
          const seconds = (performance.now() - started) / 1000;
          if (!endLabels) this.write(series(), seconds, false);
          else {
            const labels = this.labelsOf(args);
            if (labels) this.update({ ...labels, ...endLabels }, seconds, false);
          }
          return seconds;
        };
      },
    };
  }

  /** Sets or moves the series of `labels`, which a bad value does not create. */
  private update(labels: LabelValues | undefined, value: number, delta: boolean): void {
    if (this.settable(value)) this.write(this.seriesOf(labels), value, delta);
  }

  private settable(value: number): boolean {
    // NaN and ±Inf are values Prometheus stores (prom-client takes them too): only non-numbers go.
    if (typeof value === 'number') return true;
    badValue(this.name, value, 'is not a number');
    return false;
  }

  write(series: GaugeSeries | undefined, value: number, delta: boolean): void {
    if (!series || !this.settable(value)) return;
    series.value = delta ? series.value + value : value;
    this.tap?.('gauge', this.name, series.value, series.labels);
  }

  async get(): Promise<Snapshot> {
    if (this.collector) await this.collector.call(this);
    const values = [...this.allSeries()].map((s) => ({ labels: s.labels, value: s.value }));
    return this.snapshot(values);
  }

  /** Runs the collector (for the exposition writer, which does not go through get()). */
  async collect(): Promise<void> {
    if (this.collector) await this.collector.call(this);
  }
}
