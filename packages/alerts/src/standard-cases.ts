import type { RuleTestCase } from './promtool';

/**
 * Scenarios for the standard rules (default thresholds): each fires on its data and stays quiet
 * on healthy data. They become the `promtool test rules` file, and the in-process engine is
 * checked to agree on the same data.
 */
export const STANDARD_RULE_CASES: readonly RuleTestCase[] = [
  {
    alert: 'HighErrorRate',
    series: {
      'http_requests_total{status="200"}': '0+552x30',
      'http_requests_total{status="500"}': '0+48x30',
    },
    evalMinutes: 20,
    // 8% is above the warning's 5% and below the critical's 10%.
    fires: { value: 0.08, severities: ['warning'] },
  },
  {
    alert: 'HighErrorRate',
    series: {
      'http_requests_total{status="200"}': '0+600x30',
      'http_requests_total{status="500"}': '0+6x30',
    },
    evalMinutes: 20,
    fires: false,
  },
  {
    // Half the requests fail: the warning and the critical both fire (Alertmanager and the
    // engine then keep the warning quiet).
    alert: 'HighErrorRate',
    series: {
      'http_requests_total{status="200"}': '0+300x30',
      'http_requests_total{status="503"}': '0+300x30',
    },
    evalMinutes: 20,
    fires: { value: 0.5 },
  },
  {
    alert: 'HighQueueSize',
    series: { 'queue_size{queue="jobs"}': '5000x30' },
    evalMinutes: 10,
    fires: { value: 5000 },
  },
  {
    alert: 'HighQueueSize',
    series: { 'queue_size{queue="jobs"}': '10x30' },
    evalMinutes: 10,
    fires: false,
  },
  {
    alert: 'HighAuthFailureRate',
    series: { 'auth_failures_total{reason="bad_key"}': '0+300x30' },
    evalMinutes: 10,
    fires: { value: 5 },
  },
  {
    alert: 'DatabaseConnectionPoolExhausted',
    series: { 'database_connections{state="idle"}': '2x30' },
    evalMinutes: 10,
    fires: { value: 2 },
  },
];
