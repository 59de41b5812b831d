import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { toPrometheusRules } from './export';
import { rate, ratio, sum, value } from './query';
import { above, below, defineRule, outside, renderTemplate } from './rules';
import { standardRules } from './standard';
import { accepts } from './accepts.fixture';

const promtool = spawnSync('promtool', ['--version']).status === 0;

function promtoolCheck(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'obs-rules-')), 'rules.yml');
  writeFileSync(file, yaml);
  const res = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  return res.status === 0 ? '' : `${res.stdout}${res.stderr}`;
}

describe('conditions and AlertRule.check', () => {
  it('are seed 003’s threshold_above, threshold_below and threshold_outside_range', () => {
    const rule = (condition: ReturnType<typeof above>) =>
      defineRule({
        name: 'R',
        query: value('x'),
        condition,
        severity: 'info',
        annotations: { summary: 's' },
      });
    expect([5, 10, 11].map(rule(above(10)).check)).toEqual([false, false, true]);
    expect([5, 10, 11].map(rule(below(10)).check)).toEqual([true, false, false]);
    expect([0, 5, 11].map(rule(outside(1, 10)).check)).toEqual([true, false, true]);
    expect(rule(outside(1, 10)).expr).toBe('(x < 1) or (x > 10)');
  });

  it('rejects bad rules naming the field', () => {
    expect(() =>
      defineRule({
        name: 'bad name',
        query: value('x'),
        condition: above(1),
        severity: 'info',
        annotations: { summary: 's' },
      }),
    ).toThrow(expect.objectContaining({ option: 'name' }));
    expect(() =>
      defineRule({
        name: 'R',
        query: value('x'),
        condition: above(1),
        severity: 'info',
        for: 'soon',
        annotations: { summary: 's' },
      }),
    ).toThrow(expect.objectContaining({ option: 'for' }));
  });
});

describe('renderTemplate', () => {
  it('fills $value, $labels and Prometheus’ humanize functions', () => {
    const labels = { route: '/api/v1/workspaces/:id' };
    expect(
      renderTemplate('{{ $value | humanizePercentage }} on {{ $labels.route }}', 0.0734, labels),
    ).toBe('7.34% on /api/v1/workspaces/:id');
    expect(renderTemplate('{{ $value | humanize }} credits', 12_345_678, {})).toBe(
      '12.35M credits',
    );
    expect(renderTemplate('p95 {{ $value | humanizeDuration }}', 0.25, {})).toBe('p95 250ms');
    expect(renderTemplate('took {{ $value | humanizeDuration }}', 3725, {})).toBe('took 1h2m5s');
    expect(renderTemplate('{{ $value }} and {{ .Unknown }}', 3, {})).toBe('3 and {{ .Unknown }}');
  });
});

describe('toPrometheusRules', () => {
  it('renders each rule with its PromQL, for, severity and annotations', () => {
    const rule = defineRule({
      name: 'HighErrorRate',
      query: ratio(
        sum(rate('http_requests_total', '5m', { status: /5../ })),
        sum(rate('http_requests_total', '5m')),
      ),
      condition: above(0.05),
      for: '5m',
      severity: 'critical',
      labels: { team: 'analytics' },
      annotations: { summary: 'Error rate is {{ $value | humanizePercentage }}' },
    });
    expect(parse(toPrometheusRules([rule], { groupName: 'analytics', interval: '30s' }))).toEqual({
      groups: [
        {
          name: 'analytics',
          interval: '30s',
          rules: [
            {
              alert: 'HighErrorRate',
              expr: '(sum(rate(http_requests_total{status=~"5.."}[5m]))) / (sum(rate(http_requests_total[5m]))) > 0.05',
              for: '5m',
              labels: { severity: 'critical', team: 'analytics' },
              annotations: { summary: 'Error rate is {{ $value | humanizePercentage }}' },
            },
          ],
        },
      ],
    });
  });

  it('exports the standard rules as a file promtool accepts', () => {
    const yaml = toPrometheusRules(
      standardRules({ job: 'analytics', runbookBase: 'https://runbooks.example.com/' }),
    );
    const file = parse(yaml) as { groups: { rules: { alert: string }[] }[] };
    expect(file.groups[0]!.rules.map((r) => r.alert)).toEqual([
      'HighErrorRate',
      'HighErrorRate',
      'HighLatency',
      'ServiceDown',
      'HighMemoryUsage',
      'HighCPUUsage',
      'DatabaseConnectionPoolExhausted',
      'LowCacheHitRate',
      'HighQueueSize',
      'HighAuthFailureRate',
      'CreditConsumptionSpike',
    ]);
    if (!promtool) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh)');
      return;
    }
    expect(promtoolCheck(yaml)).toBe('');
  });

  it('is refused by promtool when the PromQL is broken (the check can fail)', () => {
    if (!promtool) return;
    const broken = defineRule({
      name: 'Broken',
      query: value('x'),
      expr: 'rate(x[5m] > 1',
      condition: above(1),
      severity: 'info',
      annotations: { summary: 's' },
    });
    expect(promtoolCheck(toPrometheusRules([broken]))).toMatch(/parse error|unclosed|unexpected/i);
  });
});

describe('durations', () => {
  // Each is tried as a rule's `for` and as a range window: our parser accepts exactly what
  // Prometheus accepts (alertmanager.test.ts tries route timings against amtool).
  const DURATIONS = [
    '0',
    '0s',
    '90s',
    '1h30m',
    '1d12h',
    '1w',
    '2w3d',
    '1y',
    '250ms',
    '5m0s',
    '100y',
    '',
    '1.5h',
    '30m1h',
    '1h1h',
    '1M',
    '5 m',
    '-1m',
    'soon',
    '292y',
    '293y',
    '106751d',
    '106752d',
  ];
  const rule = (forText: string, window = '5m') =>
    defineRule({
      name: 'R',
      query: rate('x_total', window),
      condition: above(1),
      severity: 'info',
      for: forText,
      annotations: { summary: 's' },
    });

  it('as `for`, are accepted exactly where promtool check rules accepts them', () => {
    if (!promtool) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh)');
      return;
    }
    const ours = DURATIONS.map((d) => [d, accepts(() => rule(d))]);
    const theirs = DURATIONS.map((d) => [
      d,
      promtoolCheck(
        `groups:\n  - name: g\n    rules:\n      - alert: R\n        expr: x > 1\n        for: ${JSON.stringify(d)}\n`,
      ) === '',
    ]);
    expect(ours).toEqual(theirs);
    expect(theirs.filter(([, ok]) => ok)).toHaveLength(13); // the list holds both kinds
  });

  it('as range windows, are accepted exactly where PromQL accepts them', () => {
    if (!promtool) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh)');
      return;
    }
    const ours = DURATIONS.map((d) => [d, accepts(() => rule('0s', d))]);
    const theirs = DURATIONS.map((d) => [
      d,
      promtoolCheck(
        `groups:\n  - name: g\n    rules:\n      - alert: R\n        expr: ${JSON.stringify(`rate(x_total[${d}]) > 1`)}\n`,
      ) === '',
    ]);
    expect(ours).toEqual(theirs);
  });
});
