import type { History, Sample, VectorElement } from './query';

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
 * A series' points, and beside each the running increase since the first point (counter resets
 * handled), so any window's increase is a subtraction.
 */
interface Series {
  labels: Record<string, string>;
  points: [number, number][];
  adjusted: number[];
}

function addPoint(series: Series, t: number, v: number): void {
  const last = series.points.at(-1);
  const adjusted = series.adjusted.at(-1);
  series.points.push([t, v]);
  series.adjusted.push(
    last === undefined || adjusted === undefined ? 0 : adjusted + (v >= last[1] ? v - last[1] : v),
  );
}

/** Index of the first point at or after `from` (points are in time order). */
function firstAtOrAfter(points: readonly [number, number][], from: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]![0] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sample names of counters and histogram parts, which start at 0. */
const COUNTER_SUFFIX = /_(total|count|sum|bucket)$/;

function labelsKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}\u0001${labels[name]}\u0000`;
  return key;
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
  /** Series by sample name, then by their labels. */
  private readonly series = new Map<string, Map<string, Series>>();
  private seriesCount = 0;
  private previousTick: number | undefined;

  constructor(
    /** Longest window per metric sample name the rules read (0: instant only). */
    private readonly windows: ReadonlyMap<string, number>,
    private readonly maxSeries = 50_000,
    /** Names read as instant values (`value()`); undefined: keep the latest samples of all. */
    private readonly instantNames?: ReadonlySet<string>,
  ) {}

  /** Records one scrape taken at `now`. */
  record(samples: readonly Sample[], now: number): void {
    this.now = now;
    this.memo.clear();
    const latest = new Map<string, Sample[]>();
    for (const s of samples) {
      const window = this.windows.get(s.name);
      if (window === undefined) continue;
      if (!this.instantNames || this.instantNames.has(s.name)) {
        let list = latest.get(s.name);
        if (!list) latest.set(s.name, (list = []));
        list.push(s);
      }
      if (window === 0) continue;
      let byLabels = this.series.get(s.name);
      if (!byLabels) this.series.set(s.name, (byLabels = new Map<string, Series>()));
      const key = labelsKey(s.labels);
      let entry = byLabels.get(key);
      if (!entry) {
        if (this.seriesCount >= this.maxSeries) continue;
        this.seriesCount++;
        entry = { labels: { ...s.labels }, points: [], adjusted: [] };
        // A counter series that appears between two scrapes was created (at 0) after the first:
        // its first value is already an increase, so a first failing request counts at once.
        if (this.previousTick !== undefined && COUNTER_SUFFIX.test(s.name))
          addPoint(entry, this.previousTick, 0);
        byLabels.set(key, entry);
      }
      addPoint(entry, now, s.value);
    }
    this.latest = latest;
    this.previousTick = now;
    for (const [name, byLabels] of this.series) {
      const oldest = now - (this.windows.get(name) ?? 0) - 1000;
      for (const [key, entry] of byLabels) {
        let drop = 0;
        while (drop < entry.points.length && entry.points[drop]![0] < oldest) drop++;
        if (drop > 0) {
          entry.points.splice(0, drop);
          entry.adjusted.splice(0, drop);
        }
        if (entry.points.length === 0) {
          byLabels.delete(key);
          this.seriesCount--;
        }
      }
    }
  }

  increases(name: string, windowMs: number) {
    const from = this.now - windowMs;
    const out: { labels: Record<string, string>; increase: number; spanMs: number }[] = [];
    for (const entry of this.series.get(name)?.values() ?? []) {
      const first = firstAtOrAfter(entry.points, from);
      const last = entry.points.length - 1;
      if (last - first < 1) continue;
      out.push({
        labels: entry.labels,
        increase: entry.adjusted[last]! - entry.adjusted[first]!,
        spanMs: entry.points[last]![0] - entry.points[first]![0],
      });
    }
    return out;
  }

  instant(name: string): readonly Sample[] {
    return this.latest.get(name) ?? [];
  }

  range(name: string, windowMs: number) {
    const from = this.now - windowMs;
    const out: { labels: Record<string, string>; points: [number, number][] }[] = [];
    for (const entry of this.series.get(name)?.values() ?? []) {
      const first = firstAtOrAfter(entry.points, from);
      out.push({
        labels: entry.labels,
        points: first === 0 ? entry.points : entry.points.slice(first),
      });
    }
    return out;
  }

  /** Points held, for tests of boundedness. */
  get size(): number {
    let n = 0;
    for (const byLabels of this.series.values())
      for (const entry of byLabels.values()) n += entry.points.length;
    return n;
  }
}
