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

/** A value that goes up and down. */
export class Gauge extends ObsMetric<GaugeSeries> {
  readonly type = 'gauge' as const;
  private readonly collector: GaugeConfig['collect'];

  constructor(config: GaugeConfig, context: MetricContext) {
    super(config, context);
    this.collector = config.collect;
  }

  protected newSeries(labels: Record<string, string>, labelText: string): GaugeSeries {
    return { labels, labelText, value: 0 };
  }

  /** `set(3)` or `set({ state: 'idle' }, 3)`. */
  set(labels: LabelValues | number, value?: number): void {
    if (typeof labels === 'number') this.write(this.seriesOf(undefined), labels, false);
    else this.write(this.seriesOf(labels), value ?? 0, false);
  }

  inc(labels?: LabelValues | number, value?: number): void {
    if (typeof labels === 'number') this.write(this.seriesOf(undefined), labels, true);
    else this.write(this.seriesOf(labels), value ?? 1, true);
  }

  dec(labels?: LabelValues | number, value?: number): void {
    if (typeof labels === 'number') this.write(this.seriesOf(undefined), -labels, true);
    else this.write(this.seriesOf(labels), -(value ?? 1), true);
  }

  setToCurrentTime(labels?: LabelValues): void {
    this.write(this.seriesOf(labels), Date.now() / 1000, false);
  }

  /** Starts a timer; the returned function sets the gauge to the elapsed seconds and returns them. */
  startTimer(labels?: LabelValues): () => number {
    const started = performance.now();
    return () => {
      const seconds = (performance.now() - started) / 1000;
      this.set(labels ?? {}, seconds);
      return seconds;
    };
  }

  labels(...values: (string | number)[]): {
    set(v: number): void;
    inc(v?: number): void;
    dec(v?: number): void;
  } {
    const series = this.series(...values);
    return {
      set: (v) => this.write(series, v, false),
      inc: (v = 1) => this.write(series, v, true),
      dec: (v = 1) => this.write(series, -v, true),
    };
  }

  write(series: GaugeSeries | undefined, value: number, delta: boolean): void {
    if (!series) return;
    if (typeof value !== 'number' || Number.isNaN(value)) {
      badValue(this.name, value, 'is not a number');
      return;
    }
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
