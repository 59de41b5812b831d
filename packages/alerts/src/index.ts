export { value, rate, increase, irate, sum, ratio, add, quantile, parseDuration } from './query';
export type {
  Query,
  Sample,
  VectorElement,
  History,
  RangeSummary,
  Matcher,
  Matchers,
} from './query';
export { defineRule, above, below, outside, renderTemplate, TEMPLATE_FUNCTIONS } from './rules';
export type { Rule, RuleDefinition, Condition, Severity } from './rules';
export { standardRules } from './standard';
export type { StandardRuleOptions } from './standard';
export { toPrometheusRules } from './export';
export type { PrometheusRulesOptions } from './export';
export { createAlertEngine, memoryStore, routeReceivers } from './engine';
export type {
  Alert,
  AlertEngine,
  AlertEngineOptions,
  AlertState,
  AlertStore,
  AlertRoute,
  ExternalAlert,
  Notifier,
  NotificationKind,
  NotificationStats,
} from './engine';
export { registrySource, SampleHistory } from './source';
export type { MetricSource } from './source';
export { webhookNotifier, logNotifier, deliver, toAlertmanagerAlert } from './notifiers';
export type { WebhookNotifierOptions, DeliveryOptions } from './notifiers';
export { alertmanagerNotifier, toAlertmanagerConfig } from './alertmanager';
export type {
  AlertmanagerNotifier,
  AlertmanagerNotifierOptions,
  Route,
  Receiver,
  LabelMatcher,
} from './alertmanager';
export { slackNotifier, slackMessage, pagerDutyNotifier, emailNotifier } from './integrations';
export type {
  SlackNotifierOptions,
  PagerDutyNotifierOptions,
  EmailNotifierOptions,
} from './integrations';
export { toPromtoolTests, expandValues, parseSeries, samplesAt } from './promtool';
export type { RuleTestCase } from './promtool';
export { STANDARD_RULE_CASES } from './standard-cases';
