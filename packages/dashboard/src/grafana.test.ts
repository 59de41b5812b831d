import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  overviewDashboard,
  quantile,
  rate,
  ratio,
  value,
  type DashboardDefinition,
} from './definition';
import { grafanaProvisioning, toGrafanaDashboard, toPromQL } from './grafana';

const S = 'service=~"$service"';
const W = '$__rate_interval';

/** A business definition with every query form, regex matches, a share of a total and a stat. */
const business: DashboardDefinition = {
  uid: 'sample-business',
  title: 'Sample business',
  tags: ['sample'],
  panels: [
    {
      title: 'Active users',
      type: 'stat',
      unit: 'short',
      queries: [value('analytics_active_users', { by: ['workspace_id'] })],
    },
    {
      title: 'Credits per agent',
      unit: 'ops',
      queries: [rate('analytics_credits_consumed_total', { by: ['agent_id'] })],
    },
    {
      title: 'Cache hit rate',
      unit: 'percentunit',
      queries: [
        ratio(
          rate('cache_operations_total', { where: { operation: 'get', result: 'hit' } }),
          rate('cache_operations_total', { where: { operation: 'get' } }),
        ),
      ],
    },
    {
      title: 'Share of failed jobs per type',
      unit: 'percentunit',
      queries: [
        ratio(
          rate('background_jobs_total', {
            by: ['job_type', 'status'],
            where: { status: '~fail.*' },
          }),
          rate('background_jobs_total', { by: ['job_type'] }),
        ),
      ],
    },
    {
      title: 'p95 per route',
      unit: 's',
      queries: [quantile(0.95, 'http_request_duration_seconds', { by: ['route'] })],
      legend: ['{{route}} p95'],
    },
    { title: 'Odd labels', queries: [value('x', { where: { path: 'a"b\\c\nd' } })] },
  ],
};

describe('toPromQL', () => {
  it('renders a rate, summed whole or by labels, with the service selector and window', () => {
    expect(toPromQL(rate('http_requests_total'))).toBe(
      `sum(rate(http_requests_total{${S}}[${W}]))`,
    );
    expect(toPromQL(rate('http_requests_total', { by: ['route', 'method'] }))).toBe(
      `sum by (route, method) (rate(http_requests_total{${S}}[${W}]))`,
    );
  });

  it('renders a gauge value, a histogram quantile and a where with exact and regex matches', () => {
    expect(toPromQL(value('database_connections', { by: ['state'] }))).toBe(
      `sum by (state) (database_connections{${S}})`,
    );
    expect(toPromQL(value('http_requests_in_flight'))).toBe(`sum(http_requests_in_flight{${S}})`);
    expect(toPromQL(quantile(0.95, 'http_request_duration_seconds'))).toBe(
      `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${S}}[${W}])))`,
    );
    expect(
      toPromQL(
        quantile(0.99, 'http_request_duration_seconds', {
          by: ['route'],
          where: { method: 'GET', status: '~2..' },
        }),
      ),
    ).toBe(
      `histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{${S}, method="GET", status=~"2.."}[${W}])))`,
    );
  });

  it('renders a ratio with matching labels, or a share of a total with on (…) group_left ()', () => {
    expect(
      toPromQL(
        ratio(
          rate('http_requests_total', { by: ['route'], where: { status: '~5..' } }),
          rate('http_requests_total', { by: ['route'] }),
        ),
      ),
    ).toBe(
      // No 5xx yet (no series) reads 0, not "no data": the numerator falls back to 0 × the total.
      `((sum by (route) (rate(http_requests_total{${S}, status=~"5.."}[${W}]))) or (sum by (route) (rate(http_requests_total{${S}}[${W}]))) * 0) / (sum by (route) (rate(http_requests_total{${S}}[${W}])))`,
    );
    expect(
      toPromQL(
        ratio(rate('jobs_total', { by: ['type', 'status'] }), rate('jobs_total', { by: ['type'] })),
      ),
    ).toBe(
      `(sum by (type, status) (rate(jobs_total{${S}}[${W}]))) / on (type) group_left () (sum by (type) (rate(jobs_total{${S}}[${W}])))`,
    );
    expect(() =>
      toPromQL(ratio(rate('a_total', { by: ['x'] }), rate('a_total', { by: ['y'] }))),
    ).toThrow(expect.objectContaining({ option: 'ratio' }));
  });

  it('escapes label values as PromQL strings, regexes included', () => {
    expect(toPromQL(value('x', { where: { path: 'a"b\\c\nd' } }))).toBe(
      `sum(x{${S}, path="a\\"b\\\\c\\nd"})`,
    );
    expect(toPromQL(value('x', { where: { host: '~api\\.example\\.com' } }))).toBe(
      `sum(x{${S}, host=~"api\\\\.example\\\\.com"})`,
    );
  });

  it('takes another selector and window, or none', () => {
    expect(toPromQL(rate('a_total'), { selector: 'job="api"', window: '5m' })).toBe(
      'sum(rate(a_total{job="api"}[5m]))',
    );
    expect(toPromQL(rate('a_total'), { selector: '', window: '1m' })).toBe(
      'sum(rate(a_total[1m]))',
    );
    expect(
      toPromQL(ratio(value('a'), value('b')), {
        selector: (metric) => (metric === 'a' ? 'x="1"' : ''),
      }),
    ).toBe('(sum(a{x="1"})) / (sum(b))');
  });

  it('refuses names that are not Prometheus names, and quantiles outside 0–1', () => {
    expect(() => toPromQL(rate('bad name'))).toThrow(expect.objectContaining({ option: 'metric' }));
    expect(() => toPromQL(rate('a_total', { by: ['a-b'] }))).toThrow(
      expect.objectContaining({ option: 'by' }),
    );
    expect(() => toPromQL(rate('a_total', { where: { '}': 'x' } }))).toThrow(
      expect.objectContaining({ option: 'where' }),
    );
    expect(() => toPromQL(quantile(95, 'h'))).toThrow(expect.objectContaining({ option: 'q' }));
  });
});

interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig: { defaults: { unit: string } };
  targets: { refId: string; expr: string; legendFormat: string; datasource: unknown }[];
}
interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  time: unknown;
  refresh: string;
  templating: { list: Record<string, unknown>[] };
  panels: GrafanaPanel[];
}

const grafana = (definition: DashboardDefinition) =>
  toGrafanaDashboard(definition) as unknown as GrafanaDashboard;

describe('toGrafanaDashboard', () => {
  it('gives Grafana 10/11 dashboard JSON with a data source, service and route variables', () => {
    const dashboard = grafana(overviewDashboard('Analytics overview'));
    expect(dashboard).toMatchObject({
      uid: 'obs-overview',
      title: 'Analytics overview',
      tags: ['obs'],
      schemaVersion: 39,
      time: { from: 'now-1h', to: 'now' },
      refresh: '10s',
    });
    const [datasource, service, route] = dashboard.templating.list;
    expect(dashboard.templating.list).toHaveLength(3);
    expect(datasource).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    expect(service).toMatchObject({
      name: 'service',
      type: 'query',
      query: 'label_values(http_requests_total, service)',
      includeAll: true,
      multi: true,
      datasource: { type: 'prometheus', uid: '${datasource}' },
    });
    expect(route).toMatchObject({
      name: 'route',
      type: 'query',
      query: 'label_values(http_requests_total{service=~"$service"}, route)',
      includeAll: true,
      multi: true,
    });
    // The result is plain JSON.
    expect(JSON.parse(JSON.stringify(dashboard))).toEqual(dashboard);
  });

  it('lays panels two a row on the 24-column grid, none overlapping', () => {
    for (const definition of [overviewDashboard(), business]) {
      const panels = grafana(definition).panels;
      expect(panels).toHaveLength(definition.panels.length);
      const cells = new Set<string>();
      for (const { gridPos } of panels) {
        expect(gridPos.x + gridPos.w).toBeLessThanOrEqual(24);
        for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++)
          for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
      expect(panels.slice(0, 2).map((p) => [p.gridPos.x, p.gridPos.y])).toEqual([
        [0, 0],
        [12, 0],
      ]);
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    }
  });

  it('gives each panel its type, unit, data source and one target per query, refIds unique', () => {
    const overview = grafana(overviewDashboard());
    for (const panel of overview.panels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
    }
    const latency = overview.panels.find((p) => p.title === 'Latency')!;
    expect(latency).toMatchObject({ type: 'timeseries', fieldConfig: { defaults: { unit: 's' } } });
    expect(latency.targets.map((t) => [t.refId, t.legendFormat])).toEqual([
      ['A', 'p50'],
      ['B', 'p95'],
      ['C', 'p99'],
    ]);
    expect(overview.panels.map((p) => p.fieldConfig.defaults.unit)).toEqual(
      overviewDashboard().panels.map((p) => p.unit),
    );
    const sample = grafana(business);
    expect(sample.panels[0]).toMatchObject({
      type: 'stat',
      fieldConfig: { defaults: { unit: 'short' } },
    });
    expect(sample.panels.map((p) => p.targets[0]!.legendFormat)).toEqual([
      '{{workspace_id}}',
      '{{agent_id}}',
      '__auto',
      '{{job_type}} {{status}}',
      '{{route}} p95',
      '__auto',
    ]);
    // A panel without a unit reads as plain numbers.
    expect(sample.panels.at(-1)!.fieldConfig.defaults.unit).toBe('short');
  });

  it('filters the HTTP metrics by the route variable too', () => {
    const overview = grafana(overviewDashboard());
    const expr = (title: string) =>
      overview.panels.find((p) => p.title === title)!.targets[0]!.expr;
    expect(expr('Request rate')).toBe(
      `sum(rate(http_requests_total{${S}, route=~"$route"}[${W}]))`,
    );
    expect(expr('Error rate')).toBe(
      `((sum(rate(http_requests_total{${S}, route=~"$route", status=~"5.."}[${W}]))) or (sum(rate(http_requests_total{${S}, route=~"$route"}[${W}]))) * 0) / (sum(rate(http_requests_total{${S}, route=~"$route"}[${W}])))`,
    );
    expect(expr('In flight')).toBe(`sum(http_requests_in_flight{${S}, route=~"$route"})`);
    expect(expr('CPU')).toBe(`sum(rate(process_cpu_seconds_total{${S}}[${W}]))`);
  });

  it('refuses a uid Grafana would not take', () => {
    expect(() => toGrafanaDashboard({ ...business, uid: 'Not OK' })).toThrow(
      expect.objectContaining({ option: 'uid' }),
    );
  });
});

describe('grafanaProvisioning', () => {
  it('writes a file provider for a folder of dashboards', () => {
    expect(grafanaProvisioning({ dashboardsPath: '/var/lib/grafana/dashboards', folder: 'Obs' }))
      .toBe(`# Grafana dashboard provider: loads the dashboard JSON files of one folder.
apiVersion: 1
providers:
  - name: 'obs'
    folder: 'Obs'
    type: file
    disableDeletion: false
    allowUiUpdates: false
    updateIntervalSeconds: 30
    options:
      path: '/var/lib/grafana/dashboards'
      foldersFromFilesStructure: false
`);
    expect(grafanaProvisioning({ dashboardsPath: '/d' })).not.toContain('folder:');
    const odd = grafanaProvisioning({ dashboardsPath: "/it's", folder: 'a\nb' });
    expect(odd).toContain(`      path: '/it''s'\n`);
    expect(odd).toContain(`    folder: "a\\nb"\n`);
    expect(() => grafanaProvisioning({ dashboardsPath: '' })).toThrow(
      expect.objectContaining({ option: 'dashboardsPath' }),
    );
  });
});

describe('every expression parses with promtool', () => {
  it('overviewDashboard() and a business definition: `promtool check rules` accepts them all', () => {
    if (spawnSync('promtool', ['--version']).status !== 0) {
      if (process.env.CI)
        throw new Error('promtool is not installed (scripts/install-test-deps.sh installs it)');
      console.warn('promtool not installed: skipped');
      return;
    }
    const exprs = [overviewDashboard(), business].flatMap((d) =>
      grafana(d).panels.flatMap((p) => p.targets.map((t) => t.expr)),
    );
    // Grafana's variables, as Grafana would substitute them.
    const substituted = exprs.map((e) =>
      e
        .replaceAll('$service', '.*')
        .replaceAll('$route', '.*')
        .replaceAll('$__rate_interval', '1m'),
    );
    for (const e of substituted) expect(e).not.toContain('$');
    // JSON is YAML: the rules file needs no YAML writer.
    const rules = {
      groups: [
        { name: 'x', rules: substituted.map((expr, i) => ({ record: `check_${i}`, expr })) },
      ],
    };
    const dir = mkdtempSync(join(tmpdir(), 'obs-grafana-'));
    try {
      writeFileSync(join(dir, 'rules.yml'), JSON.stringify(rules, null, 2));
      const res = spawnSync('promtool', ['check', 'rules', 'rules.yml'], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
      });
      const output = `${res.stdout}${res.stderr}`;
      expect({ status: res.status, output }).toEqual({
        status: 0,
        output: expect.stringContaining(`SUCCESS: ${substituted.length} rules found`),
      });
      // And the check can fail: a broken expression is refused.
      rules.groups[0]!.rules.push({ record: 'broken', expr: 'sum by (route (x)' });
      writeFileSync(join(dir, 'rules.yml'), JSON.stringify(rules, null, 2));
      expect(spawnSync('promtool', ['check', 'rules', 'rules.yml'], { cwd: dir }).status).not.toBe(
        0,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
