import { stringify } from 'yaml';
import { ObsConfigError } from '@obs/core';
import { parseDuration } from './query';
import type { Rule } from './rules';

export interface PrometheusRulesOptions {
  /** @default 'obs' */
  groupName?: string;
  /** Evaluation interval of the group. @default Prometheus' global setting */
  interval?: string;
}

/** The rules as a Prometheus rule file (YAML), for `rule_files:`; `promtool check rules` passes it. */
export function toPrometheusRules(
  rules: readonly Rule[],
  options: PrometheusRulesOptions = {},
): string {
  const names = new Set<string>();
  for (const rule of rules) {
    const id = `${rule.name}/${rule.severity}`;
    if (names.has(id))
      throw new ObsConfigError('rules', `two ${rule.severity} rules named ${rule.name}`);
    names.add(id);
  }
  if (options.interval !== undefined) parseDuration(options.interval, 'interval');
  const group: Record<string, unknown> = { name: options.groupName ?? 'obs' };
  if (options.interval) group.interval = options.interval;
  group.rules = rules.map((rule) => ({
    alert: rule.name,
    expr: rule.expr,
    ...(rule.forMs > 0 ? { for: rule.forText } : {}),
    labels: { severity: rule.severity, ...rule.labels },
    annotations: { ...rule.annotations },
  }));
  return stringify({ groups: [group] }, { lineWidth: 0 });
}
