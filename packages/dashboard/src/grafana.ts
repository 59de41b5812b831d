// The same definitions, read by Grafana: each query as PromQL, each definition as dashboard JSON
// (Grafana 10/11) with a Prometheus data source variable and `service` / `route` variables, and
// the provisioning file that loads the JSON files from a folder.
import { ObsConfigError } from '@obs/core';
import type { DashboardDefinition, Panel, Query, Unit } from './definition';

export interface PromQLOptions {
  /**
   * Label matchers every selector gets, before the query's own `where` ones; a function gives
   * them per metric (the dashboard adds `route=~"$route"` on the HTTP metrics). `''` for none.
   * @default 'service=~"$service"' (every @obs metric carries a `service` label)
   */
  selector?: string | ((metric: string) => string);
  /** The range of `rate()`. @default '$__rate_interval' (Grafana's) */
  window?: string;
}

export interface GrafanaDashboardOptions {
  /** The range of `rate()`. @default '$__rate_interval' */
  window?: string;
  /** How often Grafana refreshes. @default '10s' */
  refresh?: string;
  /** The time range shown when the dashboard opens. @default { from: 'now-1h', to: 'now' } */
  time?: { from: string; to: string };
}

export interface GrafanaProvisioningOptions {
  /** Where the dashboard JSON files are inside Grafana's container or host. */
  dashboardsPath: string;
  /** The Grafana folder they go in. @default the General folder */
  folder?: string;
  /** The provider's name. @default 'obs' */
  name?: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DEFAULT_SELECTOR = 'service=~"$service"';
const DEFAULT_WINDOW = '$__rate_interval';
/** The HTTP metrics (`http_requests_total`, `http_request_duration_seconds`…) carry `route`. */
const HTTP_METRIC = /^http_request/;

/** A PromQL double-quoted string literal (Go escaping: backslash, quote, control characters). */
export function promString(text: string): string {
  return JSON.stringify(text);
}

function metricName(name: string): string {
  if (!METRIC_NAME.test(name))
    throw new ObsConfigError('metric', `"${name}" is not a Prometheus metric name`);
  return name;
}

function labelName(name: string, option: string): string {
  if (!LABEL_NAME.test(name))
    throw new ObsConfigError(option, `"${name}" is not a Prometheus label name`);
  return name;
}

/** The labels a query's series keep (a ratio keeps its numerator's). */
export function queryLabels(query: Query): readonly string[] {
  return query.kind === 'ratio' ? queryLabels(query.numerator) : (query.by ?? []);
}

function render(
  query: Query,
  selectorFor: (metric: string) => string,
  window: string,
): { expr: string; by: readonly string[] } {
  if (query.kind === 'ratio') {
    const a = render(query.numerator, selectorFor, window);
    const b = render(query.denominator, selectorFor, window);
    const same = a.by.length === b.by.length && a.by.every((l) => b.by.includes(l));
    // A counter with no series yet (no error so far) is 0, not "no data": as the built-in page.
    const numerator = query.numerator.kind === 'rate' ? `(${a.expr}) or (${b.expr}) * 0` : a.expr;
    if (same) return { expr: `(${numerator}) / (${b.expr})`, by: a.by };
    // A share of a total: each numerator series over the denominator series it belongs to.
    if (b.by.every((l) => a.by.includes(l)))
      return { expr: `(${a.expr}) / on (${b.by.join(', ')}) group_left () (${b.expr})`, by: a.by };
    throw new ObsConfigError(
      'ratio',
      `the denominator's labels (${b.by.join(', ')}) must be among the numerator's (${a.by.join(', ')})`,
    );
  }
  const by = (query.by ?? []).map((l) => labelName(l, 'by'));
  const base = metricName(query.metric);
  const name = query.kind === 'quantile' ? `${base}_bucket` : base;
  const matchers = [
    selectorFor(base).trim(),
    ...Object.entries(query.where ?? {}).map(([label, v]) =>
      v.startsWith('~')
        ? `${labelName(label, 'where')}=~${promString(v.slice(1))}`
        : `${labelName(label, 'where')}=${promString(v)}`,
    ),
  ].filter(Boolean);
  const series = matchers.length ? `${name}{${matchers.join(', ')}}` : name;
  const sum = (labels: readonly string[], inner: string) =>
    labels.length ? `sum by (${labels.join(', ')}) (${inner})` : `sum(${inner})`;
  switch (query.kind) {
    case 'rate':
      return { expr: sum(by, `rate(${series}[${window}])`), by };
    case 'value':
      return { expr: sum(by, series), by };
    case 'quantile': {
      if (!(query.q >= 0 && query.q <= 1))
        throw new ObsConfigError('q', `a quantile is between 0 and 1, not ${query.q}`);
      const inner = sum(['le', ...by.filter((l) => l !== 'le')], `rate(${series}[${window}])`);
      return { expr: `histogram_quantile(${query.q}, ${inner})`, by };
    }
  }
}

/**
 * A query as PromQL, for Grafana or Prometheus:
 *
 * ```ts
 * toPromQL(rate('http_requests_total', { by: ['route'] }));
 * // sum by (route) (rate(http_requests_total{service=~"$service"}[$__rate_interval]))
 * ```
 */
export function toPromQL(query: Query, options: PromQLOptions = {}): string {
  const selector = options.selector ?? DEFAULT_SELECTOR;
  const selectorFor = typeof selector === 'function' ? selector : () => selector;
  return render(query, selectorFor, options.window ?? DEFAULT_WINDOW).expr;
}

/** The selector of the dashboard's queries: the `service` variable, and `route` on HTTP metrics. */
function dashboardSelector(metric: string): string {
  return HTTP_METRIC.test(metric) ? `${DEFAULT_SELECTOR}, route=~"$route"` : DEFAULT_SELECTOR;
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/** `A`, `B`, … `Z`, `AA`, `AB`… */
function refId(index: number): string {
  let id = '';
  for (let n = index; n >= 0; n = Math.floor(n / 26) - 1)
    id = String.fromCharCode(65 + (n % 26)) + id;
  return id;
}

function legendFormat(panel: Panel, query: Query, index: number): string {
  const given = panel.legend?.[index];
  if (given !== undefined) return given;
  const labels = queryLabels(query);
  return labels.length ? labels.map((l) => `{{${l}}}`).join(' ') : '__auto';
}

const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

function grafanaPanel(panel: Panel, index: number, window: string) {
  const type = panel.type ?? 'timeseries';
  const unit: Unit = panel.unit ?? 'short';
  const options =
    type === 'stat'
      ? {
          reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
          colorMode: 'value',
          graphMode: 'area',
          textMode: 'auto',
        }
      : {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi', sort: 'desc' },
        };
  return {
    id: index + 1,
    type,
    title: panel.title,
    ...(panel.description === undefined ? {} : { description: panel.description }),
    datasource: DATASOURCE,
    gridPos: {
      x: (index % 2) * PANEL_WIDTH,
      y: Math.floor(index / 2) * PANEL_HEIGHT,
      w: PANEL_WIDTH,
      h: PANEL_HEIGHT,
    },
    fieldConfig: {
      defaults: {
        unit,
        ...(type === 'timeseries' ? { custom: { fillOpacity: 10, showPoints: 'never' } } : {}),
      },
      overrides: [],
    },
    options,
    targets: panel.queries.map((query, i) => ({
      refId: refId(i),
      datasource: DATASOURCE,
      expr: toPromQL(query, { selector: dashboardSelector, window }),
      legendFormat: legendFormat(panel, query, i),
      range: true,
    })),
  };
}

function queryVariable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query,
    refresh: 2,
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    regex: '',
    sort: 1,
    hide: 0,
    skipUrlSync: false,
  };
}

/**
 * A definition as Grafana dashboard JSON (schema 39: Grafana 10 and 11): a Prometheus data source
 * variable, `service` and `route` variables every query filters on, two panels a row. Write it
 * to a folder Grafana provisions (`grafanaProvisioning()`), or import it in Grafana's UI.
 */
export function toGrafanaDashboard(
  definition: DashboardDefinition,
  options: GrafanaDashboardOptions = {},
): Record<string, unknown> {
  if (!/^[a-z0-9-]{1,40}$/.test(definition.uid))
    throw new ObsConfigError('uid', `"${definition.uid}" is not 1–40 lowercase letters, digits, -`);
  const window = options.window ?? DEFAULT_WINDOW;
  return {
    uid: definition.uid,
    title: definition.title,
    tags: [...(definition.tags ?? [])],
    schemaVersion: 39,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: 'browser',
    time: options.time ?? { from: 'now-1h', to: 'now' },
    refresh: options.refresh ?? '10s',
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          options: [],
          refresh: 1,
          regex: '',
          hide: 0,
          skipUrlSync: false,
        },
        queryVariable('service', 'Service', 'label_values(http_requests_total, service)'),
        queryVariable(
          'route',
          'Route',
          'label_values(http_requests_total{service=~"$service"}, route)',
        ),
      ],
    },
    panels: definition.panels.map((panel, i) => grafanaPanel(panel, i, window)),
  };
}

/**
 * The YAML of a Grafana dashboard provider (`/etc/grafana/provisioning/dashboards/*.yml`) that
 * loads every dashboard JSON file under `dashboardsPath`.
 */
export function grafanaProvisioning(options: GrafanaProvisioningOptions): string {
  if (!options.dashboardsPath)
    throw new ObsConfigError('dashboardsPath', 'the folder of the dashboard files is required');
  // A YAML single-quoted scalar ('' for a quote), or double-quoted with escapes when it must be.
  const q = (text: string) =>
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `'${text.replaceAll("'", "''")}'`;
  return [
    '# Grafana dashboard provider: loads the dashboard JSON files of one folder.',
    'apiVersion: 1',
    'providers:',
    `  - name: ${q(options.name ?? 'obs')}`,
    ...(options.folder === undefined ? [] : [`    folder: ${q(options.folder)}`]),
    '    type: file',
    '    disableDeletion: false',
    '    allowUiUpdates: false',
    '    updateIntervalSeconds: 30',
    '    options:',
    `      path: ${q(options.dashboardsPath)}`,
    '      foldersFromFilesStructure: false',
    '',
  ].join('\n');
}
