import type { Registry, RegistryContentType } from 'prom-client';
import { reportInternalError } from '@obs/core';
import { Counter, type CounterSeries } from './counter';
import { Gauge } from './gauge';
import { Histogram, type Exemplar } from './histogram';
import { escapeLabelValue } from './labels';
import type { Snapshot } from './metric';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The format a scraper asked for: OpenMetrics when its Accept header names it, else text 0.0.4. */
export function negotiate(accept: string | null | undefined): string {
  return accept?.includes('application/openmetrics-text')
    ? OPENMETRICS_CONTENT_TYPE
    : PROMETHEUS_CONTENT_TYPE;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function braces(...parts: string[]): string {
  const inner = parts.filter(Boolean).join(',');
  return inner ? `{${inner}}` : '';
}

function exemplarText(e: Exemplar | undefined): string {
  if (!e) return '';
  const labels = Object.entries(e.labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
  return ` # {${labels}} ${formatValue(e.value)} ${e.timestamp.toFixed(3)}`;
}

class TimeoutError extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ExposeOptions {
  openMetrics: boolean;
  /** How long one metric's collector may take before the metric is left out of this scrape. */
  collectTimeoutMs: number;
}

interface WriteOptions {
  openMetrics: boolean;
  /** The registry's default labels, added to series that do not set them. */
  defaultLabels: Readonly<Record<string, string | number>>;
}

/**
 * Writes a registry in the Prometheus text format 0.0.4 or OpenMetrics 1.0. Our own metrics are
 * written from their series directly, with each series' label text rendered once at creation;
 * other metrics (prom-client's defaults, anything registered by hand) through their `get()`.
 * Labels are those of prom-client's `registry.metrics()`: the registry's default labels on every
 * series that does not set them. A metric whose collector fails or exceeds `collectTimeoutMs` is
 * left out and reported.
 */
export async function expose(
  registry: Registry<RegistryContentType>,
  options: ExposeOptions,
): Promise<string> {
  const { openMetrics } = options;
  const defaultLabels = defaultLabelsOf(registry);
  const written: WriteOptions = { openMetrics, defaultLabels };
  const metrics = registry.getMetricsAsArray() as unknown[];
  const parts = await Promise.all(
    metrics.map(async (metric) => {
      try {
        if (metric instanceof Gauge)
          await withTimeout(metric.collect(), options.collectTimeoutMs, `${metric.name} collector`);
        if (metric instanceof Counter || metric instanceof Gauge || metric instanceof Histogram) {
          return writeOwn(metric, written);
        }
        const snapshot = await withTimeout(
          (metric as { get(): Promise<Snapshot> }).get(),
          options.collectTimeoutMs,
          `${(metric as { name?: string }).name ?? 'metric'} collector`,
        );
        return writeSnapshot(snapshot, written);
      } catch (err) {
        reportInternalError(err, '@obs/metrics: scrape');
        return '';
      }
    }),
  );
  const body = parts.filter(Boolean).join('');
  return openMetrics ? `${body}# EOF\n` : body;
}

let unreadable = false;

/**
 * A registry's default labels. prom-client 15 has setDefaultLabels() but no getter: they are read
 * where it keeps them, and a prom-client that keeps them elsewhere is reported once.
 */
function defaultLabelsOf(
  registry: Registry<RegistryContentType>,
): Readonly<Record<string, string | number>> {
  const { _defaultLabels: labels } = registry as unknown as { _defaultLabels?: unknown };
  if (labels !== null && typeof labels === 'object')
    return labels as Record<string, string | number>;
  if (!unreadable) {
    unreadable = true;
    reportInternalError(
      new Error(
        "prom-client's Registry no longer keeps _defaultLabels: default labels are not written",
      ),
      '@obs/metrics: scrape',
    );
  }
  return {};
}

function defaultsFor(
  labelNames: readonly string[],
  defaults: Readonly<Record<string, string | number>>,
): string {
  return Object.entries(defaults)
    .filter(([k]) => !labelNames.includes(k))
    .map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`)
    .join(',');
}

function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/** OpenMetrics names a counter family without `_total` and each sample with it. */
function counterNames(name: string, openMetrics: boolean): { family: string; sample: string } {
  if (!openMetrics) return { family: name, sample: name };
  const family = name.endsWith('_total') ? name.slice(0, -6) : name;
  return { family, sample: `${family}_total` };
}

function writeOwn(metric: Counter | Gauge | Histogram, options: WriteOptions): string {
  // The metric's own constant labels, then the registry's, as prom-client's registry writes them.
  const { constLabels } = metric;
  const extra = defaultsFor(metric.labelNames, {
    ...constLabels,
    ...options.defaultLabels,
    ...constLabels,
  });
  if (metric instanceof Histogram) return writeHistogram(metric, extra, options.openMetrics);
  const { family, sample } =
    metric instanceof Counter
      ? counterNames(metric.name, options.openMetrics)
      : { family: metric.name, sample: metric.name };
  let out = header(family, metric.help, metric.type);
  const key = `${sample}|${extra}`;
  for (const s of metric.allSeries()) {
    if (s.lines?.key !== key)
      s.lines = { key, starts: [`${sample}${braces(s.labelText, extra)} `] };
    const exemplar =
      options.openMetrics && metric instanceof Counter
        ? exemplarText((s as CounterSeries).exemplar)
        : '';
    out += `${s.lines.starts[0]!}${formatValue(s.value)}${exemplar}\n`;
  }
  return out;
}

function writeHistogram(metric: Histogram, extra: string, openMetrics: boolean): string {
  const { name, buckets } = metric;
  const les = [...buckets.map((b) => `le="${formatValue(b)}"`), 'le="+Inf"'];
  const n = les.length;
  let out = header(name, metric.help, 'histogram');
  for (const s of metric.allSeries()) {
    if (s.lines?.key !== extra) {
      const base = [s.labelText, extra].filter(Boolean).join(',');
      const prefix = base ? `${base},` : '';
      const labels = base ? `{${base}}` : '';
      const starts = les.map((le) => `${name}_bucket{${prefix}${le}} `);
      starts.push(`${name}_sum${labels} `, `${name}_count${labels} `);
      s.lines = { key: extra, starts };
    }
    const { starts } = s.lines;
    let cumulative = 0;
    for (let i = 0; i < n; i++) {
      cumulative += s.counts[i]!;
      out += openMetrics
        ? `${starts[i]!}${cumulative}${exemplarText(s.exemplars[i])}\n`
        : `${starts[i]!}${cumulative}\n`;
    }
    out += `${starts[n]!}${formatValue(s.sum)}\n${starts[n + 1]!}${s.count}\n`;
  }
  return out;
}

function writeSnapshot(snapshot: Snapshot, options: WriteOptions): string {
  const { family, sample } =
    snapshot.type === 'counter'
      ? counterNames(snapshot.name, options.openMetrics)
      : { family: snapshot.name, sample: snapshot.name };
  let out = header(family, snapshot.help, snapshot.type);
  for (const v of snapshot.values) {
    const own = Object.entries(v.labels).map(
      ([k, val]) => `${k}="${escapeLabelValue(String(val))}"`,
    );
    const extra = defaultsFor(Object.keys(v.labels), options.defaultLabels);
    out += `${v.metricName ?? sample}${braces(own.join(','), extra)} ${formatValue(v.value)}\n`;
  }
  return out;
}
