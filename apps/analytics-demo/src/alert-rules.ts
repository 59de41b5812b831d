// The demo's alert rules, written once: the in-process engine evaluates them
// (src/observability.ts), and `pnpm --filter analytics-demo export:monitoring` writes them as
// Prometheus rules, promtool tests and an Alertmanager config into monitoring/alerts/ (this
// module is the export's --config).
import {
  alertmanagerNotifier,
  below,
  defineRule,
  logNotifier,
  parseDuration,
  standardRules,
  STANDARD_RULE_CASES,
  slackNotifier,
  sum,
  value,
  webhookNotifier,
  type Notifier,
  type Receiver,
  type Route,
  type RuleTestCase,
} from '@obs/alerts';

/** Where the in-process engine's alerts go: the log always; a webhook, Slack, Alertmanager when set. */
export function alertNotifiers(
  urls: { ALERT_WEBHOOK_URL?: string; SLACK_WEBHOOK_URL?: string; ALERTMANAGER_URL?: string },
  log: (message: string, fields: Record<string, unknown>) => void,
): Notifier[] {
  const { ALERT_WEBHOOK_URL: webhook, SLACK_WEBHOOK_URL: slack, ALERTMANAGER_URL: am } = urls;
  return [
    logNotifier(log),
    ...(webhook ? [webhookNotifier({ url: webhook })] : []),
    ...(slack ? [slackNotifier({ webhookUrl: slack })] : []),
    ...(am ? [alertmanagerNotifier({ url: am })] : []),
  ];
}

/** Prometheus' job for the demo (monitoring/prometheus.yml), which ServiceDown watches. */
export const JOB = 'analytics';

/**
 * Seed 000's rules, with one change: the pool alarm watches the connections a query can get
 * without waiting (`state="available"`: idle ones, plus those the pool may still open), because
 * pg opens connections lazily and a quiet pool has no idle ones at all.
 *
 * `forOverride` (the `ALERT_FOR` variable) replaces every rule's `for` in the in-process engine,
 * so that end-to-end tests see an alert fire in seconds; the export always keeps the rules' own.
 */
export function alertRules(job = JOB, forOverride?: string) {
  const rules = [
    ...standardRules({ job }).filter((rule) => rule.name !== 'DatabaseConnectionPoolExhausted'),
    defineRule({
      name: 'DatabaseConnectionPoolExhausted',
      query: sum(value('database_connections', { state: 'available' })),
      condition: below(1),
      for: '2m',
      severity: 'critical',
      annotations: {
        summary: 'Database connection pool exhausted',
        description: 'No database connection free: queries are waiting for one',
      },
    }),
  ];
  if (forOverride === undefined) return rules;
  const forMs = parseDuration(forOverride, 'ALERT_FOR');
  return rules.map((rule) => Object.freeze({ ...rule, forMs, forText: forOverride }));
}

const cases: RuleTestCase[] = STANDARD_RULE_CASES.map((c) =>
  c.alert === 'DatabaseConnectionPoolExhausted'
    ? { ...c, series: { 'database_connections{state="available"}': '0x30' }, fires: { value: 0 } }
    : c,
);

/** Alertmanager routes every alert to the demo's own `POST /alerts/webhook` (admin token from a file). */
const route: Route = {
  receiver: 'analytics',
  groupBy: ['alertname', 'service'],
  groupWait: '10s',
  groupInterval: '1m',
  repeatInterval: '4h',
  routes: [{ receiver: 'analytics', matchers: { severity: 'critical' }, repeatInterval: '1h' }],
};
const receivers: Receiver[] = [
  {
    name: 'analytics',
    webhook: {
      url: 'http://analytics:8000/alerts/webhook',
      bearerTokenFile: '/etc/alertmanager/admin-token',
    },
  },
];

export default {
  rules: alertRules(),
  cases,
  groupName: 'analytics',
  interval: '15s',
  route,
  receivers,
};
