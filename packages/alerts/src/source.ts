import type { History, RangeSummary, Sample, VectorElement } from './query';

/** Where the engine reads metric samples: a prom-client registry, or anything that lists samples. */
export interface MetricSource {
  collect(): Sample[] | Promise<Sample[]>;
}

interface PromJsonMetric {
  name: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/**
 * A prom-client registry (or @obs/metrics' `metrics.registry`) as a metric source, through its
 * `getMetricsAsJSON()`: no import of either package.
 */
export function registrySource(registry: { getMetricsAsJSON(): unknown }): MetricSource {
  return {
    async collect() {
      const metrics = (await registry.getMetricsAsJSON()) as PromJsonMetric[];
      const samples: Sample[] = [];
      for (const metric of metrics)
        for (const v of metric.values) {
          const labels = v.labels as Record<string, string>;
          for (const k in labels) if (typeof labels[k] !== 'string') labels[k] = String(labels[k]);
          samples.push({ name: v.metricName ?? metric.name, labels, value: v.value });
        }
      return samples;
    },
  };
}

/**
 * A series' points, in parallel arrays from `start` on (earlier slots are dropped points awaiting
 * compaction), and beside each the running sum of the values before each drop (a counter reset),
 * so any window's resets are a subtraction.
 */
interface Series {
  labels: Record<string, string>;
  /** How many labels `labels` has. */
  labelCount: number;
  times: number[];
  values: number[];
  resets: number[];
  start: number;
}

function addPoint(series: Series, t: number, v: number): void {
  const n = series.times.length;
  if (n === series.start) series.resets.push(0);
  else {
    const previous = series.values[n - 1]!;
    series.resets.push(series.resets[n - 1]! + (v < previous ? previous : 0));
  }
  series.times.push(t);
  series.values.push(v);
}

/** Index of the series' first point at or after `from` (points are in time order). */
function firstAtOrAfter(series: Series, from: number): number {
  const times = series.times;
  let lo = series.start;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}\u0001${labels[name]}\u0000`;
  return key;
}

/** Whether `labels` holds exactly the series' labels (no string building, no allocation). */
function sameLabels(series: Series, labels: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const name in labels) {
    if (series.labels[name] !== labels[name]) return false;
    n++;
  }
  return n === series.labelCount;
}

/** What the history keeps of one sample name. */
interface NameState {
  /** Longest window the rules read it over (0: instant only). */
  window: number;
  /** Whether its latest samples are kept for instant reads. */
  instant: boolean;
  /** Its series, by their labels. */
  byLabels: Map<string, Series>;
  /**
   * The series of each of its samples in the last scrape, in order: sources list series in the
   * same order scrape after scrape, so a sample's series is found by comparing labels, without
   * building its key.
   */
  order: (Series | undefined)[];
  /** Samples of this name seen so far in the current scrape. */
  seen: number;
}

/**
 * Recent samples of the metrics the rules read, for as long as their longest window needs, and
 * no more: points older than the window are dropped each tick, series are capped.
 */
export class SampleHistory implements History {
  now = 0;
  /** Sub-query results of the current tick; emptied by each record(). */
  readonly memo = new Map<string, VectorElement[]>();
  private latest = new Map<string, Sample[]>();
  /** State per sample name the rules read, series in first-seen order. */
  private readonly names = new Map<string, NameState>();
  private seriesCount = 0;
  /** summaries() results at `summariesAt`, by name and window: rules share rate()'s inputs. */
  private readonly summariesMemo = new Map<string, RangeSummary[]>();
  private summariesAt: number | undefined;

  constructor(
    /** Longest window per metric sample name the rules read (0: instant only). */
    private readonly windows: ReadonlyMap<string, number>,
    private readonly maxSeries = 50_000,
    /** Names read as instant values (`value()`); undefined: keep the latest samples of all. */
    private readonly instantNames?: ReadonlySet<string>,
  ) {}

  private stateOf(name: string): NameState | undefined {
    let state = this.names.get(name);
    if (state) return state;
    const window = this.windows.get(name);
    if (window === undefined) return undefined;
    state = {
      window,
      instant: !this.instantNames || this.instantNames.has(name),
      byLabels: new Map(),
      order: [],
      seen: 0,
    };
    this.names.set(name, state);
    return state;
  }

  /** The series of `s` (a sample of `state`'s name), created if new and the cap allows. */
  private seriesOf(state: NameState, s: Sample): Series | undefined {
    const last = state.order[state.seen];
    if (last !== undefined && sameLabels(last, s.labels)) return last;
    const key = labelsKey(s.labels);
    let entry = state.byLabels.get(key);
    if (entry) return entry;
    if (this.seriesCount >= this.maxSeries) return undefined;
    this.seriesCount++;
    const labels = { ...s.labels };
    entry = {
      labels,
      labelCount: Object.keys(labels).length,
      times: [],
      values: [],
      resets: [],
      start: 0,
    };
    // Its first sample is its first point, as in Prometheus: a series born with 5 has no increase
    // until its next sample (zero() a labelled metric's series to count its first events).
    state.byLabels.set(key, entry);
    return entry;
  }

  /** Records one scrape taken at `now`. */
  record(samples: readonly Sample[], now: number): void {
    this.now = now;
    this.memo.clear();
    this.summariesMemo.clear();
    const latest = new Map<string, Sample[]>();
    for (const state of this.names.values()) state.seen = 0;
    let name: string | undefined;
    let state: NameState | undefined;
    let list: Sample[] | undefined;
    for (const s of samples) {
      // Sources list a metric's samples together: look the name up once per run of them.
      if (s.name !== name) {
        name = s.name;
        state = this.stateOf(name);
        list = undefined;
        if (state?.instant) {
          list = latest.get(name);
          if (!list) latest.set(name, (list = []));
        }
      }
      if (state === undefined) continue;
      list?.push(s);
      if (state.window === 0) continue;
      const entry = this.seriesOf(state, s);
      state.order[state.seen++] = entry;
      if (entry) addPoint(entry, now, s.value);
    }
    this.latest = latest;
    for (const state of this.names.values()) {
      state.order.length = state.seen;
      if (state.window === 0) continue;
      const oldest = now - state.window - 1000;
      for (const [key, entry] of state.byLabels) {
        const { times } = entry;
        let start = entry.start;
        while (start < times.length && times[start]! < oldest) start++;
        if (start === entry.start) continue;
        if (start === times.length) {
          state.byLabels.delete(key);
          this.seriesCount--;
          continue;
        }
        // Dropped points are cut off once they are half the arrays: amortised O(1) per point.
        if (start * 2 >= times.length) {
          times.splice(0, start);
          entry.values.splice(0, start);
          entry.resets.splice(0, start);
          start = 0;
        }
        entry.start = start;
      }
    }
  }

  summaries(name: string, windowMs: number): readonly RangeSummary[] {
    if (this.summariesAt !== this.now) {
      this.summariesMemo.clear();
      this.summariesAt = this.now;
    }
    const memoKey = `${windowMs}\u0000${name}`;
    const known = this.summariesMemo.get(memoKey);
    if (known) return known;
    const from = this.now - windowMs;
    const out: RangeSummary[] = [];
    for (const entry of this.names.get(name)?.byLabels.values() ?? []) {
      const first = firstAtOrAfter(entry, from);
      const last = entry.times.length - 1;
      if (last < first) continue;
      const prev = Math.max(first, last - 1);
      out.push({
        labels: entry.labels,
        count: last - first + 1,
        firstT: entry.times[first]!,
        firstV: entry.values[first]!,
        lastT: entry.times[last]!,
        lastV: entry.values[last]!,
        prevT: entry.times[prev]!,
        prevV: entry.values[prev]!,
        resets: entry.resets[last]! - entry.resets[first]!,
      });
    }
    this.summariesMemo.set(memoKey, out);
    return out;
  }

  instant(name: string): readonly Sample[] {
    return this.latest.get(name) ?? [];
  }

  range(name: string, windowMs: number) {
    const from = this.now - windowMs;
    const out: { labels: Record<string, string>; points: [number, number][] }[] = [];
    for (const entry of this.names.get(name)?.byLabels.values() ?? []) {
      const points: [number, number][] = [];
      for (let i = firstAtOrAfter(entry, from); i < entry.times.length; i++)
        points.push([entry.times[i]!, entry.values[i]!]);
      out.push({ labels: entry.labels, points });
    }
    return out;
  }

  /** Points held, for tests of boundedness. */
  get size(): number {
    let n = 0;
    for (const state of this.names.values())
      for (const entry of state.byLabels.values()) n += entry.times.length - entry.start;
    return n;
  }
}
