// The demo's alert rules, written once: the in-process engine evaluates them
// (src/observability.ts), and `pnpm --filter analytics-demo export:monitoring` writes them as
// Prometheus rules, promtool tests and an Alertmanager config into monitoring/alerts/ (this
// module is the export's --config).
import {
  standardRules,
  STANDARD_RULE_CASES,
  type Receiver,
  type Route,
  type RuleTestCase,
} from '@obs/alerts';

/** Prometheus' job for the demo (monitoring/prometheus.yml), which ServiceDown watches. */
export const JOB = 'analytics';

/**
 * Seed 000's rules with the demo's thresholds. The pool alarm fires when no connection is free
 * (`database_connections{state="idle"}` counts connections a query gets without waiting).
 */
export function alertRules(job = JOB) {
  return standardRules({ job, minIdleConnections: 1 });
}

const cases: RuleTestCase[] = STANDARD_RULE_CASES.map((c) =>
  c.alert === 'DatabaseConnectionPoolExhausted'
    ? { ...c, series: { 'database_connections{state="idle"}': '0x30' }, fires: { value: 0 } }
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
