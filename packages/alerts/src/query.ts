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
   * Optional fast path: per series, what PromQL's range functions read of its points within the
   * last `windowMs` (both ends included), without copying them.
   */
  summaries?(name: string, windowMs: number): readonly RangeSummary[];
  /** Points of every series of `name` within the last `windowMs`, oldest first. */
  range(
    name: string,
    windowMs: number,
  ): readonly { labels: Record<string, string>; points: readonly [number, number][] }[];
}

/**
 * What `rate`, `increase` and `irate` read of one series' points in a window: the first, the last
 * and the one before it, how many there are, and the counter increase (resets handled).
 */
export interface RangeSummary {
  labels: Record<string, string>;
  count: number;
  firstT: number;
  firstV: number;
  lastT: number;
  lastV: number;
  /** The point before the last (the last again when there is only one). */
  prevT: number;
  prevV: number;
  /** At each drop between two points of the window (a counter reset), the value before it, summed. */
  resets: number;
}

/** {@link RangeSummary} of points in time order. */
export function summarize(
  labels: Record<string, string>,
  points: readonly (readonly [number, number])[],
): RangeSummary | undefined {
  const n = points.length;
  if (n === 0) return undefined;
  let resets = 0;
  for (let i = 1; i < n; i++) if (points[i]![1] < points[i - 1]![1]) resets += points[i - 1]![1];
  const [firstT, firstV] = points[0]!;
  const [lastT, lastV] = points[n - 1]!;
  const [prevT, prevV] = points[Math.max(0, n - 2)]!;
  return { labels, count: n, firstT, firstV, lastT, lastV, prevT, prevV, resets };
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

/** Prometheus's duration syntax (common/model): units largest first, each at most once. */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const MAX_DURATION_MS = 9_223_372_036_854; // (2^63 - 1) ns
const UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/**
 * A duration as Prometheus and Alertmanager write it, in ms: `'5m'` → 300000, `'1h30m'`, `'1w'`,
 * `'1y'` (365 days), `'250ms'`, or `'0'`.
 */
export function parseDuration(text: string, option = 'window'): number {
  if (text === '0') return 0;
  const match = typeof text === 'string' && text !== '' ? DURATION.exec(text) : null;
  if (!match)
    throw new ObsConfigError(
      option,
      `expected a duration like 30s, 5m, 1h30m or 1w; got ${JSON.stringify(text)}`,
    );
  let ms = 0;
  for (let i = 0; i < UNITS_MS.length; i++)
    if (match[i + 1] !== undefined) ms += Number(match[i + 1]) * UNITS_MS[i]!;
  // Go's time.Duration: int64 nanoseconds, about 292 years.
  if (ms > MAX_DURATION_MS)
    throw new ObsConfigError(option, `${JSON.stringify(text)} is too long a duration`);
  return ms;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new ObsConfigError('metric', `"${name}" is not a metric name`);
}

/**
 * Flags with no RE2 equivalent for a whole-value match: `m` (JavaScript's `^`/`$` would match at
 * line ends inside the anchored value) and `y` (sticky: a match would depend on the last one).
 */
function checkFlags(re: RegExp): void {
  const bad = ['m', 'y'].filter((f) => re.flags.includes(f));
  if (bad.length)
    throw new ObsConfigError(
      'labels',
      `/${re.source}/${re.flags}: the ${bad.join(', ')} flag has no Prometheus equivalent`,
    );
}

/**
 * A RegExp as RE2 (Prometheus, Alertmanager) reads it: its `i` and `s` flags become a
 * leading `(?is)` group, so `/api-ci/i` matches `API-CI` there too (`g` and `u` change nothing
 * for a whole-value match; `m` and `y` are refused).
 */
export function re2Source(re: RegExp): string {
  checkFlags(re);
  const flags = ['i', 's'].filter((f) => re.flags.includes(f)).join('');
  return flags ? `(?${flags})${re.source}` : re.source;
}

/** Each matcher as PromQL (and Alertmanager) write it: `a="x"`, `b=~"5.."`, `c!="dev"`. */
export function matcherStrings(labels: Matchers | undefined): string[] {
  return Object.entries(labels ?? {}).map(([key, m]) => {
    if (typeof m === 'string') return `${key}=${JSON.stringify(m)}`;
    if (m instanceof RegExp) return `${key}=~${JSON.stringify(re2Source(m))}`;
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
        checkFlags(m);
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

/**
 * Prometheus's `extrapolatedRate` (promql/functions.go) for a counter: the increase between the
 * window's first and last points, resets handled, extrapolated toward the window's edges by at
 * most half the average sample interval (or up to the edge when a point is that close to it), and
 * never back past the counter's zero point; for `rate`, per second of the range. Fewer than two
 * points: no result.
 */
function extrapolatedRate(
  s: RangeSummary,
  rangeStart: number,
  rangeEnd: number,
  isRate: boolean,
): number | undefined {
  if (s.count < 2) return undefined;
  // Go's order of operations, so that the results are the same numbers.
  const result = s.lastV - s.firstV + s.resets;
  let durationToStart = (s.firstT - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - s.lastT) / 1000;
  const sampledInterval = (s.lastT - s.firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (s.count - 1);
  if (result > 0 && s.firstV >= 0) {
    const durationToZero = sampledInterval * (s.firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval +=
    durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval +=
    durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000;
  return result * factor;
}

/** Prometheus's `irate`: the per-second change between the window's last two points. */
function instantRate(s: RangeSummary): number | undefined {
  if (s.count < 2) return undefined;
  const result = s.lastV < s.prevV ? s.lastV : s.lastV - s.prevV;
  const sampledInterval = s.lastT - s.prevT;
  if (sampledInterval === 0) return undefined;
  return result / (sampledInterval / 1000);
}

function rangeQuery(
  fn: 'rate' | 'increase' | 'irate',
  metric: string,
  window: string,
  labels?: Matchers,
): Query {
  checkName(metric);
  const windowMs = parseDuration(window);
  if (windowMs === 0) throw new ObsConfigError('window', 'a range must be longer than 0');
  const matches = matcher(labels);
  return memoized({
    promql: `${fn}(${metric}${matcherText(labels)}[${window}])`,
    reads: [{ name: metric, windowMs }],
    evaluate: (h) => {
      const series = h.summaries
        ? h.summaries(metric, windowMs)
        : h.range(metric, windowMs).flatMap((s) => summarize(s.labels, s.points) ?? []);
      const out: VectorElement[] = [];
      for (const s of series) {
        if (!matches(s.labels)) continue;
        let v: number | undefined;
        if (fn === 'irate') v = instantRate(s);
        else v = extrapolatedRate(s, h.now - windowMs, h.now, fn === 'rate');
        if (v !== undefined) out.push({ labels: s.labels, value: v });
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

/** `irate(counter[window])`: per-second rate between the last two points, per series. */
export const irate = (counter: string, window: string, labels?: Matchers): Query =>
  rangeQuery('irate', counter, window, labels);

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
        // As in PromQL, x / 0 is ±Inf and 0 / 0 NaN, kept: a comparison decides what they mean.
        out.push({ labels: e.labels, value: op === '+' ? e.value + other : e.value / other });
      }
      return out;
    },
  });
}

/** `a / b`, element by element with equal labels (an error rate: `ratio(sum(rate(errors)), sum(rate(all)))`). */
export const ratio = (a: Query, b: Query): Query => binary('/', a, b);
/** `a + b`, element by element with equal labels. */
export const add = (a: Query, b: Query): Query => binary('+', a, b);

/**
 * Prometheus's `bucketQuantile` (promql/quantile.go) over cumulative `[le, count]` buckets: sorted,
 * equal bounds merged, counts made monotonic, then linear interpolation inside the bucket that
 * holds the rank; NaN without a +Inf bucket or without observations.
 */
function bucketQuantile(q: number, given: [number, number][]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...given].sort((x, y) => x[0] - y[0]);
  if (sorted.length === 0 || sorted.at(-1)![0] !== Infinity) return NaN;
  const buckets: [number, number][] = [];
  for (const [bound, count] of sorted) {
    const last = buckets.at(-1);
    if (last && last[0] === bound) last[1] += count;
    else buckets.push([bound, count]);
  }
  let max = -Infinity;
  for (const b of buckets) {
    if (b[1] > max) max = b[1];
    else if (b[1] < max) b[1] = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets.at(-1)![1];
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b]![1] >= rank)) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]![0];
  if (b === 0 && buckets[0]![0] <= 0) return buckets[0]![0];
  let bucketStart = 0;
  const bucketEnd = buckets[b]![0];
  let count = buckets[b]![1];
  if (b > 0) {
    bucketStart = buckets[b - 1]![0];
    count -= buckets[b - 1]![1];
    rank -= buckets[b - 1]![1];
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
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
      // NaN results stay, as in PromQL (no threshold holds for them).
      return [...series.values()].map((s) => ({
        labels: s.labels,
        value: bucketQuantile(q, s.buckets),
      }));
    },
  });
}
