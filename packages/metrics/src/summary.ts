import { Summary as PromSummary } from 'prom-client';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { checkLabelNames, checkMetricName } from './labels';
import type { MetricConfig, MetricContext } from './metric';
import { isObject, received } from './options';
import { OVERFLOW, reportOverflow } from './series';

export interface SummaryConfig extends MetricConfig {
  /** @default [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999] */
  percentiles?: number[];
  /** With `ageBuckets`: quantiles over a sliding window of this many seconds. */
  maxAgeSeconds?: number;
  ageBuckets?: number;
  /** Drop a series whose window has emptied, at the next scrape. */
  pruneAgedBuckets?: boolean;
  /** Observations between compressions of the t-digest. @default 1000 */
  compressCount?: number;
}

/** A label child of a summary (prom-client's `Summary.Internal`). */
export interface SummaryChild {
  observe(value: number): void;
  /** The returned function observes the elapsed seconds (under the end labels too) and returns them. */
  startTimer(): (endLabels?: LabelValues) => number;
}

/** prom-client's label objects, where a label may be left out. */
type LabelValues = Partial<Record<string, string | number>>;

interface Guard {
  readonly max: number;
  readonly onOverflow: (metric: string) => void;
  readonly enabled: boolean;
  /** Label sets seen, by their values joined with NUL. */
  readonly seen: Set<string>;
  readonly overflow: Readonly<Record<string, string>>;
  warned: boolean;
}

/**
 * prom-client's Summary itself (its t-digest quantiles, sliding window and output), behind our
 * guards: past `maxSeriesPerMetric` label sets new ones share the `__overflow__` series, counted
 * and reported once; wrong labels and non-finite values are reported through core's
 * internal-error handler and ignored instead of thrown into the request.
 */
export class Summary extends PromSummary {
  // Set by prom-client's constructor; declared here for the types only.
  declare readonly type: 'summary';
  declare readonly name: string;
  declare readonly help: string;
  declare readonly labelNames: readonly string[];
  // Set after prom-client's constructor, which already calls reset().
  private guard: Guard | undefined;

  constructor(config: SummaryConfig, context: MetricContext) {
    if (!isObject(config))
      throw new ObsConfigError(
        'config',
        `expected { name, help, labelNames? }, ${received(config)}`,
      );
    const name = checkMetricName(config.name);
    if (typeof config.help !== 'string' || config.help === '')
      throw new ObsConfigError('help', `${name}: expected a help text, ${received(config.help)}`);
    const labelNames = checkLabelNames(config.labelNames);
    if (labelNames.includes('quantile'))
      throw new ObsConfigError('labelNames', `${name}: "quantile" is reserved for summaries`);
    super({ ...config, labelNames: [...labelNames], registers: [] });
    this.guard = {
      max: context.maxSeries,
      onOverflow: context.onOverflow,
      enabled: context.enabled,
      seen: new Set(),
      overflow: Object.fromEntries(labelNames.map((n) => [n, OVERFLOW])),
      warned: false,
    };
  }

  /** The labels to record under: these, or the overflow series' once the cap is reached. */
  private guarded(labels: LabelValues): LabelValues {
    const guard = this.guard!;
    const key = this.labelNames.map((n) => String(labels[n] ?? '')).join('\u0000');
    if (guard.seen.has(key)) return labels;
    if (guard.seen.size < guard.max) {
      guard.seen.add(key);
      return labels;
    }
    guard.onOverflow(this.name);
    if (!guard.warned) {
      guard.warned = true;
      reportOverflow(this.name, guard.max);
    }
    return guard.overflow;
  }

  override observe(value: number): void;
  override observe(labels: LabelValues, value: number): void;
  override observe(labels: LabelValues | number, value?: number): void {
    if (!this.guard?.enabled) return;
    try {
      if (typeof labels === 'number') super.observe(labels);
      else super.observe(this.guarded(labels), value as number);
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
    }
  }

  override labels(...values: string[]): SummaryChild;
  override labels(labels: LabelValues): SummaryChild;
  override labels(...args: unknown[]): SummaryChild {
    let labels: LabelValues;
    try {
      labels = this.labelsOf(args);
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
      return { observe: () => undefined, startTimer: () => () => 0 };
    }
    return {
      observe: (value) => this.observe(labels, value),
      startTimer: () => this.startTimer(labels),
    };
  }

  override remove(...values: string[]): void;
  override remove(labels: LabelValues): void;
  override remove(...args: unknown[]): void {
    try {
      const labels = this.labelsOf(args);
      super.remove(labels);
      this.guard?.seen.delete(this.labelNames.map((n) => String(labels[n] ?? '')).join('\u0000'));
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
    }
  }

  /** One `{ name: value }` object from label values in order, or the object given. */
  private labelsOf(args: readonly unknown[]): LabelValues {
    const [first] = args;
    const names = this.labelNames;
    if (typeof first === 'object' && first !== null) {
      for (const name of Object.keys(first)) {
        if (!names.includes(name))
          throw new Error(
            `${this.name}: unknown label "${name}" (labels: ${names.join(', ') || 'none'})`,
          );
      }
      return first;
    }
    if (args.length !== names.length || args.some((v) => v === undefined))
      throw new Error(
        `${this.name}: expected ${names.length} label values (${names.join(', ') || 'none'}), got ${args.length}`,
      );
    return Object.fromEntries(names.map((n, i) => [n, String(args[i])]));
  }
}
