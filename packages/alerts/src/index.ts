export { value, rate, increase, sum, ratio, add, quantile, parseDuration } from './query';
export type { Query, Sample, VectorElement, History, Matcher, Matchers } from './query';
export { defineRule, above, below, outside, renderTemplate, TEMPLATE_FUNCTIONS } from './rules';
export type { Rule, RuleDefinition, Condition, Severity } from './rules';
export { standardRules } from './standard';
export type { StandardRuleOptions } from './standard';
export { toPrometheusRules } from './export';
export type { PrometheusRulesOptions } from './export';
