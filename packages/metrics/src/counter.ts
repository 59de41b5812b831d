import type { LabelValues } from './labels';
import { badValue, ObsMetric, type Snapshot } from './metric';
import type { Series } from './series';

export interface CounterSeries extends Series {
  value: number;
}

/** A monotonically increasing count. Decreases and non-numbers are reported and ignored. */
export class Counter extends ObsMetric<CounterSeries> {
  readonly type = 'counter' as const;

  protected newSeries(labels: Record<string, string>, labelText: string): CounterSeries {
    return { labels, labelText, value: 0 };
  }

  /** `inc()`, `inc(5)`, `inc({ route: '/x' })`, `inc({ route: '/x' }, 5)`. */
  inc(labels?: LabelValues | number, value?: number): void {
    if (typeof labels === 'number') this.add(this.seriesOf(undefined), labels);
    else this.add(this.seriesOf(labels), value ?? 1);
  }

  /** A child bound to label values (in `labelNames` order): the cheapest way to count often. */
  labels(...values: (string | number)[]): { inc(value?: number): void } {
    const series = this.series(...values);
    return { inc: (value = 1) => this.add(series, value) };
  }

  add(series: CounterSeries | undefined, value: number): void {
    if (!series) return;
    if (!(value >= 0) || !Number.isFinite(value)) {
      badValue(this.name, value, 'is not a finite number ≥ 0 (counters only go up)');
      return;
    }
    series.value += value;
    this.tap?.('count', this.name, value, series.labels);
  }

  get(): Promise<Snapshot> {
    const values = [...this.allSeries()].map((s) => ({ labels: s.labels, value: s.value }));
    return Promise.resolve(this.snapshot(values));
  }
}
