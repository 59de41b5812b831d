import { Summary as PromSummary } from 'prom-client';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { checkLabelNames, checkMetricName } from './labels';
import {
  aggregatorOf,
  badValue,
  constLabels,
  withLabels,
  type MetricConfig,
  type MetricContext,
} from './metric';
import { isObject, received } from './options';
import { labelValuesOf, OVERFLOW, reportOverflow } from './series';

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

/** A label set's key in the guard: every value, in label order, joined with NUL. */
function keyOf(names: readonly string[], labels: Readonly<Record<string, string>>): string {
  return names.map((n) => labels[n]).join('\u0000');
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
  private readonly constLabels: Readonly<Record<string, string>>;

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
    // Only the options prom-client's Summary reads: it copies every key of its config onto itself.
    const { percentiles, maxAgeSeconds, ageBuckets, pruneAgedBuckets, compressCount } = config;
    super({
      name,
      help: config.help,
      labelNames: [...labelNames],
      registers: [],
      aggregator: aggregatorOf(config),
      ...(percentiles !== undefined && { percentiles }),
      ...(maxAgeSeconds !== undefined && { maxAgeSeconds }),
      ...(ageBuckets !== undefined && { ageBuckets }),
      ...(pruneAgedBuckets !== undefined && { pruneAgedBuckets }),
      ...(compressCount !== undefined && { compressCount }),
    });
    this.guard = {
      max: context.maxSeries,
      onOverflow: context.onOverflow,
      enabled: context.enabled,
      seen: new Set(),
      overflow: Object.fromEntries(labelNames.map((n) => [n, OVERFLOW])),
      warned: false,
    };
    this.constLabels = constLabels(context.labels, labelNames);
  }

  override async get(): ReturnType<PromSummary['get']> {
    const snapshot = await super.get();
    return { ...snapshot, values: withLabels(snapshot.values, this.constLabels) };
  }

  /** The labels to record under: these, or the overflow series' once the cap is reached. */
  private guarded(labels: Record<string, string>): Record<string, string> {
    const guard = this.guard!;
    const key = keyOf(this.labelNames, labels);
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
      if (typeof labels === 'number') {
        super.observe(labels);
        return;
      }
      // Checked before the guard, so that a bad call takes no place under the cap.
      const known = this.labelsOf([labels]);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        badValue(this.name, value, 'is not a finite number');
        return;
      }
      super.observe(this.guarded(known), value);
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
      this.guard?.seen.delete(keyOf(this.labelNames, labels));
    } catch (err) {
      reportInternalError(err, '@obs/metrics');
    }
  }

  /**
   * Every label as a string, from values in order or one object, checked as our other metrics
   * check them (a missing label is empty; an unknown one, a wrong count or an object value throws).
   */
  private labelsOf(args: readonly unknown[]): Record<string, string> {
    const values = labelValuesOf(this.name, this.labelNames, args);
    return Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!]));
  }
}
