import { ObsConfigError } from '@obs/core';

/** One sample of a metric series, as a metric source reports it. */
export interface Sample {
  /** The sample's own name: `http_requests_total`, `http_request_duration_seconds_bucket`. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** One element of a query's result: a labelled number, like a PromQL instant vector element. */
export interface VectorElement {
  labels: Record<string, string>;
  value: number;
}

/** Recent samples per series, newest last; what range queries (`rate`, `quantile`) read. */
export interface History {
  /** Now, in ms. */
  readonly now: number;
  /** Current samples of `name`. */
  instant(name: string): readonly Sample[];
  /** Results of sub-queries already evaluated at `now`, by PromQL (set by the engine per tick). */
  readonly memo?: Map<string, VectorElement[]>;
  /**
   * Optional fast path: per series, the counter increase (resets handled) and the time covered
   * within the last `windowMs`, without copying points.
   */
  increases?(
    name: string,
    windowMs: number,
  ): readonly { labels: Record<string, string>; increase: number; spanMs: number }[];
  /** Points of every series of `name` within the last `windowMs`, oldest first. */
  range(
    name: string,
    windowMs: number,
  ): readonly { labels: Record<string, string>; points: readonly [number, number][] }[];
}

/** A label matcher: equal to a string, matching a RegExp (anchored, as in PromQL), or not equal. */
export type Matcher = string | RegExp | { not: string };
export type Matchers = Record<string, Matcher>;

/**
 * A query that renders as PromQL for Prometheus and evaluates in-process over the local registry,
 * so one definition serves both, and they agree by construction.
 */
export interface Query {
  /** The PromQL expression. */
  readonly promql: string;
  /** Metric sample names it reads, and the longest window it needs. */
  readonly reads: readonly { name: string; windowMs: number }[];
  evaluate(history: History): VectorElement[];
}

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'5m'` → 300000. */
export function parseDuration(text: string, option = 'window'): number {
  const match = DURATION.exec(text);
  if (!match)
    throw new ObsConfigError(option, `expected a duration like 30s, 5m, 1h; got "${text}"`);
  return Number(match[1]) * UNIT[match[2]!]!;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new ObsConfigError('metric', `"${name}" is not a metric name`);
}

/** Each matcher as PromQL (and Alertmanager) write it: `a="x"`, `b=~"5.."`, `c!="dev"`. */
export function matcherStrings(labels: Matchers | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, m]) => {
    if (typeof m === 'string') return `${key}=${JSON.stringify(m)}`;
    if (m instanceof RegExp) return `${key}=~${JSON.stringify(m.source)}`;
    return `${key}!=${JSON.stringify(m.not)}`;
  });
}

function matcherText(labels: Matchers | undefined): string {
  const parts = matcherStrings(labels);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** A label filter, compiled once: regexes anchored as PromQL's are. */
export function matcher(
  wanted: Matchers | undefined,
): (labels: Readonly<Record<string, string>>) => boolean {
  const tests = Object.entries(wanted ?? {}).map(
    ([key, m]): ((labels: Readonly<Record<string, string>>) => boolean) => {
      if (typeof m === 'string') return (labels) => (labels[key] ?? '') === m;
      if (m instanceof RegExp) {
        const anchored = new RegExp(`^(?:${m.source})$`, m.flags.replace('g', ''));
        return (labels) => anchored.test(labels[key] ?? '');
      }
      return (labels) => (labels[key] ?? '') !== m.not;
    },
  );
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0]!;
  return (labels) => tests.every((test) => test(labels));
}

/** A label set as a string, the same whatever the key order. */
function key(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let out = '';
  for (const name of names) out += `${name}\u0001${labels[name]}\u0000`;
  return out;
}

/** `q`, evaluated at most once per tick (see {@link once}). */
function memoized(q: Query): Query {
  return { ...q, evaluate: (h) => once(h, q.promql, () => q.evaluate(h)) };
}

/**
 * Evaluates `q` once per tick: rules that share a sub-query (an error rate's denominator, a
 * histogram's buckets) reuse its result.
 */
function once(h: History, promql: string, compute: () => VectorElement[]): VectorElement[] {
  if (!h.memo) return compute();
  let result = h.memo.get(promql);
  if (!result) h.memo.set(promql, (result = compute()));
  return result;
}

/** The current value of every matching series: `value('database_connections', { state: 'idle' })`. */
export function value(metric: string, labels?: Matchers): Query {
  checkName(metric);
  const matches = matcher(labels);
  return memoized({
    promql: `${metric}${matcherText(labels)}`,
    reads: [{ name: metric, windowMs: 0 }],
    evaluate: (h) =>
      h
        .instant(metric)
        .filter((s) => matches(s.labels))
        .map((s) => ({ labels: { ...s.labels }, value: s.value })),
  });
}

/** Per-second increase of a counter over `window` (counter resets handled), per series. */
function increaseOf(points: readonly [number, number][]): number {
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const delta = points[i]![1] - points[i - 1]![1];
    total += delta >= 0 ? delta : points[i]![1]; // a reset: the counter started again from 0
  }
  return total;
}

function rangeQuery(
  fn: 'rate' | 'increase',
  metric: string,
  window: string,
  labels?: Matchers,
): Query {
  checkName(metric);
  const windowMs = parseDuration(window);
  const matches = matcher(labels);
  return memoized({
    promql: `${fn}(${metric}${matcherText(labels)}[${window}])`,
    reads: [{ name: metric, windowMs }],
    evaluate: (h) => {
      const series = h.increases
        ? h.increases(metric, windowMs)
        : h.range(metric, windowMs).map((s) => ({
            labels: s.labels,
            increase: increaseOf(s.points),
            spanMs: s.points.length >= 2 ? s.points.at(-1)![0] - s.points[0]![0] : 0,
          }));
      const out: VectorElement[] = [];
      for (const s of series) {
        if (s.spanMs <= 0 || !matches(s.labels)) continue;
        // Like PromQL, extrapolate the observed increase to the whole window.
        const covered = s.increase * (windowMs / s.spanMs);
        out.push({
          labels: s.labels,
          value: fn === 'rate' ? covered / (windowMs / 1000) : covered,
        });
      }
      return out;
    },
  });
}

/** `rate(counter[window])`: per-second rate, per series. */
export const rate = (counter: string, window: string, labels?: Matchers): Query =>
  rangeQuery('rate', counter, window, labels);

/** `increase(counter[window])`. */
export const increase = (counter: string, window: string, labels?: Matchers): Query =>
  rangeQuery('increase', counter, window, labels);

function group(elements: VectorElement[], by: readonly string[]): Map<unknown, VectorElement> {
  if (by.length === 1) return groupByOne(elements, by[0]!);
  const sorted = [...by].sort();
  const out = new Map<string, VectorElement>();
  for (const e of elements) {
    let k = '';
    for (const l of sorted) if (e.labels[l] !== undefined) k += `${l}\u0001${e.labels[l]}\u0000`;
    const acc = out.get(k);
    if (acc) acc.value += e.value;
    else {
      const labels: Record<string, string> = {};
      for (const l of by) if (e.labels[l] !== undefined) labels[l] = e.labels[l];
      out.set(k, { labels, value: e.value });
    }
  }
  return out;
}

/** {@link group} by one label (`sum by (route)`): keyed by its value, undefined where absent. */
function groupByOne(elements: VectorElement[], by: string): Map<string | undefined, VectorElement> {
  const out = new Map<string | undefined, VectorElement>();
  for (const e of elements) {
    const v = e.labels[by];
    const acc = out.get(v);
    if (acc) acc.value += e.value;
    else out.set(v, { labels: v === undefined ? {} : { [by]: v }, value: e.value });
  }
  return out;
}

/** `sum by (labels) (q)`; with no `by`, one element without labels. */
export function sum(q: Query, by: readonly string[] = []): Query {
  return memoized({
    promql: by.length ? `sum by (${by.join(', ')}) (${q.promql})` : `sum(${q.promql})`,
    reads: q.reads,
    evaluate: (h) => [...group(q.evaluate(h), by).values()],
  });
}

function binary(op: '/' | '+', a: Query, b: Query): Query {
  return memoized({
    promql: `(${a.promql}) ${op} (${b.promql})`,
    reads: [...a.reads, ...b.reads],
    evaluate: (h) => {
      const right = new Map<string, number>();
      for (const e of b.evaluate(h)) right.set(key(e.labels), e.value);
      const out: VectorElement[] = [];
      for (const e of a.evaluate(h)) {
        const other = right.get(key(e.labels));
        if (other === undefined) continue; // PromQL: elements without a match drop out
        const v = op === '+' ? e.value + other : e.value / other;
        if (Number.isFinite(v)) out.push({ labels: e.labels, value: v });
      }
      return out;
    },
  });
}

/** `a / b`, element by element with equal labels (an error rate: `ratio(sum(rate(errors)), sum(rate(all)))`). */
export const ratio = (a: Query, b: Query): Query => binary('/', a, b);
/** `a + b`, element by element with equal labels. */
export const add = (a: Query, b: Query): Query => binary('+', a, b);

/** Prometheus' histogram_quantile over cumulative buckets sorted by `le`. */
function bucketQuantile(q: number, buckets: [number, number][]): number {
  buckets.sort((x, y) => x[0] - y[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  if (buckets.length < 2 || total === 0) return NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound; // the highest finite bucket's upper bound
      if (count === prevCount) return bound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

/**
 * The `q`-quantile of a histogram's observations over `window`:
 * `histogram_quantile(q, sum by (le, ...by) (rate(h_bucket[window])))`.
 */
export function quantile(
  q: number,
  histogram: string,
  window: string,
  options: { by?: string[]; labels?: Matchers } = {},
): Query {
  if (!(q >= 0 && q <= 1)) throw new ObsConfigError('quantile', 'expected a number from 0 to 1');
  const by = options.by ?? [];
  const buckets = sum(rate(`${histogram}_bucket`, window, options.labels), ['le', ...by]);
  return memoized({
    promql: `histogram_quantile(${q}, ${buckets.promql})`,
    reads: buckets.reads,
    evaluate: (h) => {
      const series = new Map<
        string,
        { labels: Record<string, string>; buckets: [number, number][] }
      >();
      for (const e of buckets.evaluate(h)) {
        const { le, ...rest } = e.labels;
        if (le === undefined) continue;
        const k = key(rest);
        const entry = series.get(k) ?? { labels: rest, buckets: [] };
        entry.buckets.push([le === '+Inf' ? Infinity : Number(le), e.value]);
        series.set(k, entry);
      }
      return [...series.values()]
        .map((s) => ({ labels: s.labels, value: bucketQuantile(q, s.buckets) }))
        .filter((e) => !Number.isNaN(e.value));
    },
  });
}
