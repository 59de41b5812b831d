import { reportInternalError } from '@obs/core';
import { renderLabels } from './labels';
import { received } from './options';

/** The label value every label of the overflow series takes. */
export const OVERFLOW = '__overflow__';

/** Counts observations that landed in an overflow series; set once per registry by createMetrics. */
export type OverflowCounter = (metric: string) => void;

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  /** `a="1",b="x"` (without braces), rendered once. */
  readonly labelText: string;
  /**
   * The exposition writer's rendered line starts (`name{labels} `), kept between scrapes: label
   * sets rarely change, values always do. `key` says what they were rendered for.
   */
  lines?: { key: string; starts: string[] };
  /**
   * Set when `reset()` or `remove()` took the series out of its metric: whoever kept it (a label
   * child, the request instrument's cache) looks it up again instead of counting into nothing.
   */
  detached?: true;
}

const SEP = '\u0000';

function labelValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  throw new Error(`a label value must be a string or a number, ${received(value)}`);
}

/**
 * Label values in `labelNames` order from what prom-client's methods take: one `{ name: value }`
 * object (a missing label is empty, as Prometheus reads an absent one; an unknown one is an
 * error), or every value in order (too few or too many are an error).
 */
export function labelValuesOf(
  metric: string,
  labelNames: readonly string[],
  args: readonly unknown[],
): string[] {
  const [first] = args;
  if (typeof first === 'object' && first !== null) {
    const labels = first as Readonly<Record<string, unknown>>;
    for (const name of Object.keys(labels)) {
      if (!labelNames.includes(name)) {
        throw new Error(
          `${metric}: unknown label "${name}" (labels: ${labelNames.join(', ') || 'none'})`,
        );
      }
    }
    return labelNames.map((name) => labelValue(labels[name]));
  }
  if (args.length !== labelNames.length || args.some((v) => v === undefined)) {
    throw new Error(
      `${metric}: expected ${labelNames.length} label values (${labelNames.join(', ') || 'none'}), got ${args.length}`,
    );
  }
  return args.map(labelValue);
}

/** The cardinality guard's one warning per metric. */
export function reportOverflow(metric: string, max: number): void {
  reportInternalError(
    new Error(`${metric} reached ${max} series; further label values go to the ${OVERFLOW} series`),
    '@obs/metrics: cardinality guard',
  );
}

/**
 * The series of one metric, by label values, with the cardinality guard: past `max` series, new
 * label combinations all land in one series whose values are all `__overflow__`, each time counted
 * by `onOverflow`, and the first time reported through core's internal-error handler. Memory stays
 * bounded whatever label values arrive.
 */
export class SeriesStore<S extends Series> {
  private readonly map = new Map<string, S>();
  private overflow: S | undefined;
  private warned = false;

  constructor(
    readonly metric: string,
    readonly labelNames: readonly string[],
    private readonly max: number,
    private readonly create: (labels: Record<string, string>, labelText: string) => S,
    private readonly onOverflow: OverflowCounter,
    /** When false, every label set shares one scratch series that is never exposed. */
    private readonly enabled = true,
  ) {}

  private scratch: S | undefined;

  get size(): number {
    return this.map.size + (this.overflow ? 1 : 0);
  }

  /** The series for label values given in `labelNames` order. */
  get(values: readonly string[]): S {
    if (!this.enabled) return (this.scratch ??= this.create({}, ''));
    const key = values.length === 1 ? values[0]! : values.join(SEP);
    const found = this.map.get(key);
    if (found) return found;
    if (this.map.size >= this.max) return this.overflowSeries();
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
    const series = this.create(labels, renderLabels(this.labelNames, values));
    this.map.set(key, series);
    return series;
  }

  /** This metric's label values from prom-client-style arguments (`labelValuesOf`). */
  valuesOf(args: readonly unknown[]): string[] {
    return labelValuesOf(this.metric, this.labelNames, args);
  }

  /** The series for a `{ name: value }` object; unknown labels are an error, missing ones empty. */
  getByObject(labels: Readonly<Record<string, string | number>> | undefined): S {
    return this.get(this.valuesOf([labels ?? {}]));
  }

  /** Takes the series of these label values out (prom-client's `remove()`). */
  delete(values: readonly string[]): void {
    const key = values.length === 1 ? values[0]! : values.join(SEP);
    const found = this.map.get(key);
    if (!found) return;
    found.detached = true;
    this.map.delete(key);
  }

  private overflowSeries(): S {
    this.onOverflow(this.metric);
    if (!this.warned) {
      this.warned = true;
      reportOverflow(this.metric, this.max);
    }
    if (!this.overflow) {
      const values = this.labelNames.map(() => OVERFLOW);
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name) => (labels[name] = OVERFLOW));
      this.overflow = this.create(labels, renderLabels(this.labelNames, values));
    }
    return this.overflow;
  }

  values(): IterableIterator<S> {
    return this.all();
  }

  private *all(): IterableIterator<S> {
    yield* this.map.values();
    if (this.overflow) yield this.overflow;
  }

  clear(): void {
    for (const series of this.all()) series.detached = true;
    this.map.clear();
    this.overflow = undefined;
    this.warned = false;
  }
}
