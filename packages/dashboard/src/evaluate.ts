// The definitions' query forms, evaluated in-process over the history, with PromQL's meaning:
// `rate` is a counter's per-second increase over a window (resets handled), `value` the latest
// value summed per group, `quantile` is `histogram_quantile` over the buckets' increase in the
// window (linear interpolation within a bucket), `ratio` divides per group (x/0 gives no point).
// Each leaf query keeps the list of series it reads, updated when a series appears or is dropped,
// so a tick never scans series a query does not read; identical leaves are shared and evaluated
// once per tick (the three latency quantiles read one bucket aggregation).
import type { Query } from './definition';
import { labelsKey, type MetricHistory, type Series } from './history';

export interface Point {
  labels: Record<string, string>;
  value: number;
}

/** Points by `labelsKey(labels)`. */
export type Vector = Map<string, Point>;

type Matcher = (labels: Readonly<Record<string, string>>) => boolean;

interface Member {
  series: Series;
  group: string;
  labels: Record<string, string>;
  /** Upper bound of a bucket series (quantile leaves). */
  le: number;
}

interface Leaf {
  kind: 'rate' | 'value' | 'quantile';
  id: string;
  sampleName: string;
  by: readonly string[];
  matchers: Matcher[];
  windowMs: number;
  members: Member[];
  /** The tick of the cached result. */
  tick: number;
  result: Vector;
  buckets: Map<string, { labels: Record<string, string>; les: Map<number, number> }>;
}

export type Compiled =
  | { kind: 'rate' | 'value'; leaf: Leaf }
  | { kind: 'quantile'; leaf: Leaf; q: number }
  | { kind: 'ratio'; numerator: Compiled; denominator: Compiled };

/** `where` as matchers: exact, or an anchored regex (PromQL `=~`) when the value starts with `~`. */
export function compileMatchers(where: Readonly<Record<string, string>> | undefined): Matcher[] {
  if (!where) return [];
  return Object.entries(where).map(([label, expected]) => {
    if (expected.startsWith('~')) {
      const re = new RegExp(`^(?:${expected.slice(1)})$`);
      return (labels) => re.test(labels[label] ?? '');
    }
    return (labels) => (labels[label] ?? '') === expected;
  });
}

interface Bucket {
  le: number;
  count: number;
}

/**
 * Prometheus' `histogram_quantile` over cumulative buckets: linear interpolation within the
 * bucket holding the rank, the lower bound of the first bucket taken as 0, the `+Inf` bucket
 * answering with the highest finite bound. NaN without observations or without a `+Inf` bucket.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const buckets = [...input].sort((a, b) => a.le - b.le);
  if (buckets.length < 2 || buckets[buckets.length - 1]!.le !== Infinity) return NaN;
  // Counts must not decrease (a scrape can catch buckets mid-update).
  for (let i = 1; i < buckets.length; i++)
    if (buckets[i]!.count < buckets[i - 1]!.count)
      buckets[i] = { le: buckets[i]!.le, count: buckets[i - 1]!.count };
  const last = buckets.length - 1;
  const observations = buckets[last]!.count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < last && buckets[b]!.count < rank) b++;
  if (b === last) return buckets[last - 1]!.le;
  if (b === 0 && buckets[0]!.le <= 0) return buckets[0]!.le;
  let start = 0;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.le;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (buckets[b]!.le - start) * (rank / count);
}

function groupOf(by: readonly string[], labels: Readonly<Record<string, string>>) {
  const group: Record<string, string> = {};
  for (const name of by) {
    const v = labels[name];
    if (v !== undefined && v !== '') group[name] = v;
  }
  return { group: labelsKey(group), labels: group };
}

function parseLe(le: string | undefined): number {
  if (le === undefined) return NaN;
  if (le === '+Inf' || le === 'Inf') return Infinity;
  return Number(le);
}

/** Evaluates queries over one history; results are cached per tick. */
export class Evaluator {
  private readonly leaves = new Map<string, Leaf>();

  constructor(
    private readonly history: MetricHistory,
    private readonly intervalMs: number,
  ) {
    history.onAdd = (series) => {
      for (const leaf of this.leaves.values()) this.admit(leaf, series);
    };
    history.onRemove = (series) => {
      for (const leaf of this.leaves.values()) {
        const i = leaf.members.findIndex((m) => m.series === series);
        if (i >= 0) leaf.members.splice(i, 1);
      }
    };
  }

  /** Compiles a query; `windowMs` is the range of `rate` and `quantile` (PromQL `[10s]`). */
  compile(query: Query, windowMs: number): Compiled {
    if (query.kind === 'ratio')
      return {
        kind: 'ratio',
        numerator: this.compile(query.numerator, windowMs),
        denominator: this.compile(query.denominator, windowMs),
      };
    if (query.kind === 'quantile' && !(query.q >= 0 && query.q <= 1))
      throw new Error(`quantile ${query.q} is not between 0 and 1`);
    const by = query.by ?? [];
    const sampleName = query.kind === 'quantile' ? `${query.metric}_bucket` : query.metric;
    const id = JSON.stringify([
      query.kind,
      sampleName,
      by,
      query.where ?? {},
      query.kind === 'value' ? 0 : windowMs,
    ]);
    let leaf = this.leaves.get(id);
    if (!leaf) {
      leaf = {
        kind: query.kind,
        id,
        sampleName,
        by,
        matchers: compileMatchers(query.where),
        windowMs,
        members: [],
        tick: -1,
        result: new Map(),
        buckets: new Map(),
      };
      this.leaves.set(id, leaf);
      for (const series of this.history.series.values()) this.admit(leaf, series);
    }
    return query.kind === 'quantile'
      ? { kind: 'quantile', leaf, q: query.q }
      : { kind: query.kind, leaf };
  }

  private admit(leaf: Leaf, series: Series): void {
    if (series.name !== leaf.sampleName) return;
    for (const matches of leaf.matchers) if (!matches(series.labels)) return;
    const le = leaf.kind === 'quantile' ? parseLe(series.labels.le) : NaN;
    if (leaf.kind === 'quantile' && Number.isNaN(le)) return;
    const { group, labels } = groupOf(leaf.by, series.labels);
    leaf.members.push({ series, group, labels, le });
  }

  /** The query's value per group at the latest tick. */
  evaluate(compiled: Compiled): Vector {
    switch (compiled.kind) {
      case 'ratio':
        return this.ratio(compiled);
      case 'quantile': {
        const out: Vector = new Map();
        for (const [key, { labels, les }] of this.bucketsOf(compiled.leaf)) {
          const buckets: Bucket[] = [];
          for (const [le, count] of les) buckets.push({ le, count });
          const value = histogramQuantile(compiled.q, buckets);
          if (!Number.isNaN(value)) out.set(key, { labels, value });
        }
        return out;
      }
      default:
        return this.leafResult(compiled.leaf);
    }
  }

  /**
   * Each numerator group over the denominator group it belongs to: the same labels, or (a share
   * of a total) the numerator's labels that the denominator keeps, as PromQL's `group_left`.
   */
  private ratio(compiled: { numerator: Compiled; denominator: Compiled }): Vector {
    const numerator = this.evaluate(compiled.numerator);
    const denominator = this.evaluate(compiled.denominator);
    const first = denominator.values().next();
    if (first.done) return new Map();
    const names = Object.keys(first.value.labels);
    const project = (labels: Record<string, string>) =>
      names.map((name) => labels[name] ?? '').join('\u0000');
    const totals = new Map<string, Point>();
    for (const d of denominator.values()) totals.set(project(d.labels), d);
    const usable = (d: Point | undefined): d is Point =>
      d !== undefined && d.value !== 0 && Number.isFinite(d.value);
    const out: Vector = new Map();
    const matched = new Set<string>();
    for (const [key, n] of numerator) {
      const at = project(n.labels);
      const d = totals.get(at);
      if (!usable(d)) continue;
      matched.add(at);
      out.set(key, { labels: n.labels, value: n.value / d.value });
    }
    // A counter with no series yet has not increased: 0 errors, not "unknown" (the PromQL says
    // the same with `or denominator * 0`).
    if (compiled.numerator.kind === 'rate')
      for (const [key, d] of denominator)
        if (!matched.has(project(d.labels)) && usable(d) && !out.has(key))
          out.set(key, { labels: d.labels, value: 0 });
    return out;
  }

  /** First tick of a window ending at the latest tick, and its span in seconds. */
  private window(windowMs: number): { from: number; to: number; seconds: number } | undefined {
    const h = this.history;
    const to = h.ticks - 1;
    const from = Math.max(h.oldest, to - Math.max(1, Math.round(windowMs / this.intervalMs)));
    if (from >= to) return undefined;
    const seconds = (h.times[h.slot(to)]! - h.times[h.slot(from)]!) / 1000;
    return seconds > 0 ? { from, to, seconds } : undefined;
  }

  /** A counter's increase from tick `from` to `to` (resets handled); NaN with < 2 points. */
  private increase(series: Series, from: number, to: number): number {
    const h = this.history;
    let prev = NaN;
    let inc = 0;
    let points = 0;
    for (let k = from; k <= to; k++) {
      const v = series.values[h.slot(k)]!;
      if (Number.isNaN(v)) continue;
      if (points > 0) inc += v >= prev ? v - prev : v;
      prev = v;
      points++;
    }
    return points >= 2 ? inc : NaN;
  }

  private leafResult(leaf: Leaf): Vector {
    const h = this.history;
    if (leaf.tick === h.ticks) return leaf.result;
    const out: Vector = new Map();
    leaf.tick = h.ticks;
    leaf.result = out;
    if (leaf.kind === 'value') {
      const to = h.ticks - 1;
      if (to < 0) return out;
      const slot = h.slot(to);
      for (const m of leaf.members) {
        const v = m.series.values[slot]!;
        if (Number.isNaN(v)) continue;
        const point = out.get(m.group);
        if (point) point.value += v;
        else out.set(m.group, { labels: m.labels, value: v });
      }
      return out;
    }
    const w = this.window(leaf.windowMs);
    if (!w) return out;
    for (const m of leaf.members) {
      const inc = this.increase(m.series, w.from, w.to);
      if (Number.isNaN(inc)) continue;
      const point = out.get(m.group);
      if (point) point.value += inc / w.seconds;
      else out.set(m.group, { labels: m.labels, value: inc / w.seconds });
    }
    return out;
  }

  private bucketsOf(leaf: Leaf): Leaf['buckets'] {
    const h = this.history;
    if (leaf.tick === h.ticks) return leaf.buckets;
    const out: Leaf['buckets'] = new Map();
    leaf.tick = h.ticks;
    leaf.buckets = out;
    const w = this.window(leaf.windowMs);
    if (!w) return out;
    for (const m of leaf.members) {
      const inc = this.increase(m.series, w.from, w.to);
      if (Number.isNaN(inc)) continue;
      let group = out.get(m.group);
      if (!group) {
        group = { labels: m.labels, les: new Map() };
        out.set(m.group, group);
      }
      group.les.set(m.le, (group.les.get(m.le) ?? 0) + inc);
    }
    return out;
  }
}
