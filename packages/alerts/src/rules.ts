import { z } from 'zod';
import { configErrorFromIssues, ObsConfigError } from '@obs/core';
import { parseDuration, type Query } from './query';

export type Severity = 'critical' | 'warning' | 'info';

/** A threshold: seed 003's `threshold_above`, `threshold_below`, `threshold_outside_range`. */
export interface Condition {
  /** The PromQL comparison appended to the query: `> 0.05`. Empty for `outside`. */
  readonly promql: string;
  /** Renders `query` with this condition as one PromQL expression. */
  render(queryPromql: string): string;
  test(value: number): boolean;
  readonly description: string;
}

export function above(threshold: number): Condition {
  return {
    promql: `> ${threshold}`,
    render: (q) => `${q} > ${threshold}`,
    test: (v) => v > threshold,
    description: `above ${threshold}`,
  };
}

export function below(threshold: number): Condition {
  return {
    promql: `< ${threshold}`,
    render: (q) => `${q} < ${threshold}`,
    test: (v) => v < threshold,
    description: `below ${threshold}`,
  };
}

export function outside(low: number, high: number): Condition {
  if (!(low < high)) throw new ObsConfigError('outside', 'expected low < high');
  return {
    promql: '',
    render: (q) => `(${q} < ${low}) or (${q} > ${high})`,
    test: (v) => v < low || v > high,
    description: `outside ${low}–${high}`,
  };
}

export interface RuleDefinition {
  /** The alert name (`HighErrorRate`): letters, digits and underscores. */
  name: string;
  /** The in-process query; its PromQL is the exported `expr` unless `expr` is given. */
  query: Query;
  condition: Condition;
  /** PromQL for export, when it must differ from `query`'s (e.g. `up == 0` for ServiceDown). */
  expr?: string;
  /** How long the condition must hold before the alert fires. @default '0s' */
  for?: string;
  severity: Severity;
  labels?: Record<string, string>;
  annotations: { summary: string; description?: string; runbook_url?: string };
  /** After resolving, no new notification for this long. @default '5m' */
  cooldown?: string;
}

export interface Rule extends Readonly<Omit<RuleDefinition, 'for' | 'cooldown' | 'expr'>> {
  readonly expr: string;
  readonly forMs: number;
  readonly forText: string;
  readonly cooldownMs: number;
  /** Seed 003's `AlertRule.check(value)`: does this value meet the condition? */
  readonly check: (value: number) => boolean;
}

const definition = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected letters, digits and underscores'),
    query: z.custom<Query>(
      (q) => typeof q === 'object' && q !== null && typeof (q as Query).evaluate === 'function',
      'expected a query (value, rate, ratio, quantile, …)',
    ),
    condition: z.custom<Condition>(
      (c) => typeof c === 'object' && c !== null && typeof (c as Condition).test === 'function',
      'expected above(), below() or outside()',
    ),
    expr: z.string().min(1).optional(),
    for: z.string().optional(),
    severity: z.enum(['critical', 'warning', 'info']),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z
      .object({
        summary: z.string().min(1),
        description: z.string().optional(),
        runbook_url: z.url().optional(),
      })
      .strict(),
    cooldown: z.string().optional(),
  })
  .strict();

/**
 * One alert rule for both worlds: `query` is evaluated in-process over the local registry, and
 * rendered as PromQL (with the condition) for Prometheus.
 *
 * @example
 * ```ts
 * const highErrorRate = defineRule({
 *   name: 'HighErrorRate',
 *   query: ratio(sum(rate('http_requests_total', '5m', { status: /5../ })), sum(rate('http_requests_total', '5m'))),
 *   condition: above(0.05),
 *   for: '5m',
 *   severity: 'critical',
 *   annotations: { summary: 'Error rate is {{ $value | humanizePercentage }}' },
 * });
 * ```
 */
export function defineRule(def: RuleDefinition): Rule {
  const parsed = definition.safeParse(def);
  if (!parsed.success) throw configErrorFromIssues(parsed.error.issues);
  const forText = def.for ?? '0s';
  return Object.freeze({
    ...def,
    expr: def.expr ?? def.condition.render(def.query.promql),
    forMs: parseDuration(forText, 'for'),
    forText,
    cooldownMs: parseDuration(def.cooldown ?? '5m', 'cooldown'),
    check: (v: number) => def.condition.test(v),
  });
}

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** Prometheus' template functions, as alert annotations use them. */
export const TEMPLATE_FUNCTIONS: Record<string, (v: number) => string> = {
  humanize: (v) => {
    let i = 0;
    let n = v;
    while (Math.abs(n) >= 1000 && i < SI.length - 1) {
      n /= 1000;
      i++;
    }
    return `${Number(n.toPrecision(4))}${SI[i]}`;
  },
  humanizePercentage: (v) => `${Number((v * 100).toPrecision(4))}%`,
  humanizeDuration: (v) => {
    if (v < 1) return `${Number((v * 1000).toPrecision(4))}ms`;
    const s = Math.round(v);
    const parts = [
      [Math.floor(s / 86400), 'd'],
      [Math.floor((s % 86400) / 3600), 'h'],
      [Math.floor((s % 3600) / 60), 'm'],
      [s % 60, 's'],
    ] as const;
    return (
      parts
        .filter(([n]) => n > 0)
        .map(([n, u]) => `${n}${u}`)
        .join('') || '0s'
    );
  },
};

/**
 * Fills `{{ $value }}`, `{{ $labels.route }}` and `{{ $value | humanizePercentage }}` (also
 * `humanize`, `humanizeDuration`), as Prometheus renders alert annotations.
 */
export function renderTemplate(
  text: string,
  value: number,
  labels: Record<string, string>,
): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (whole, inner: string) => {
    const [head, ...pipes] = inner.split('|').map((p) => p.trim());
    let out: string | number;
    if (head === '$value') out = value;
    else if (head?.startsWith('$labels.')) out = labels[head.slice(8)] ?? '';
    else return whole;
    for (const fn of pipes) {
      const f = TEMPLATE_FUNCTIONS[fn];
      if (!f || typeof out !== 'number') return whole;
      out = f(out);
    }
    return String(out);
  });
}
