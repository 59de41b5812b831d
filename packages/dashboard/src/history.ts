// The metric samples of the last `historyMs`, one point per tick, in a ring: every series keeps
// its values in a Float64Array indexed by the ring's slot, so a tick writes one number per series
// and a window read walks a few slots. Series whose label set has vanished for the whole history
// are dropped, so the store stays bounded by (series alive) × (historyMs / intervalMs + 1).
import type { MetricSample } from './sources';

export interface Series {
  key: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Value at each ring slot; NaN where the series had no sample at that tick. */
  values: Float64Array;
  /** The last tick (index since start) at which the series had a sample. */
  last: number;
}

/** Sample names of counters and histogram parts, which start at 0 when they appear. */
const COUNTER_SUFFIX = /_(total|count|sum|bucket)$/;

export function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}\u0001${labels[name]!}\u0000`;
  return key;
}

export class MetricHistory {
  /** Points kept per series: `floor(historyMs / intervalMs) + 1`. */
  readonly capacity: number;
  /** Epoch ms of each ring slot's tick. */
  readonly times: Float64Array;
  /** Ticks ingested since the start; the latest is `ticks - 1`. */
  ticks = 0;
  readonly series = new Map<string, Series>();
  /** Called when a series first appears, and when it is dropped. */
  onAdd: ((series: Series) => void) | undefined;
  onRemove: ((series: Series) => void) | undefined;

  constructor(intervalMs: number, historyMs: number) {
    this.capacity = Math.max(2, Math.floor(historyMs / intervalMs) + 1);
    this.times = new Float64Array(this.capacity);
  }

  slot(tick: number): number {
    return tick % this.capacity;
  }

  /** The oldest tick still held. */
  get oldest(): number {
    return Math.max(0, this.ticks - this.capacity);
  }

  /** How many points each series can have now (ticks held). */
  get points(): number {
    return Math.min(this.ticks, this.capacity);
  }

  /** The value of a series at a tick still held, NaN otherwise. */
  valueAt(series: Series, tick: number): number {
    if (tick < this.oldest || tick >= this.ticks) return NaN;
    return series.values[this.slot(tick)]!;
  }

  /** Adds one tick: the samples collected at `t` (epoch ms). */
  ingest(t: number, samples: readonly MetricSample[]): void {
    const tick = this.ticks;
    const slot = this.slot(tick);
    this.times[slot] = t;
    for (const sample of samples) {
      const key = `${sample.name}\u0002${labelsKey(sample.labels)}`;
      let series = this.series.get(key);
      if (!series) {
        series = {
          key,
          name: sample.name,
          labels: { ...sample.labels },
          values: new Float64Array(this.capacity).fill(NaN),
          last: tick,
        };
        // A counter born after the first tick was 0 at the tick before: its first increments
        // count (the first request to a route shows up), as Prometheus assumes for new series.
        if (tick > 0 && COUNTER_SUFFIX.test(sample.name)) series.values[this.slot(tick - 1)] = 0;
        this.series.set(key, series);
        this.onAdd?.(series);
      }
      series.values[slot] = sample.value;
      series.last = tick;
    }
    for (const series of this.series.values()) {
      if (series.last === tick) continue;
      series.values[slot] = NaN;
      if (tick - series.last >= this.capacity) {
        this.series.delete(series.key);
        this.onRemove?.(series);
      }
    }
    this.ticks = tick + 1;
  }
}
