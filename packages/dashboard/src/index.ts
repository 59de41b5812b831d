export { overviewDashboard, quantile, rate, ratio, value } from './definition';
export type { DashboardDefinition, Grouping, Panel, Query, Unit } from './definition';
export type {
  AlertRecord,
  AlertSource,
  HealthSource,
  HealthStatus,
  LogSource,
  MetricSample,
  MetricSource,
  SpanRecord,
  SpanSource,
} from './sources';
export type {
  AlertsResponse,
  BusinessResponse,
  ConfigResponse,
  LogsResponse,
  OverviewResponse,
  PanelData,
  RouteRow,
  SeriesFrame,
  TraceResponse,
  TracesResponse,
  TraceSummary,
} from './api';
export type { DashboardAuth, DashboardOptions } from './options';
export { grafanaProvisioning, toGrafanaDashboard, toPromQL } from './grafana';
export type { GrafanaDashboardOptions, GrafanaProvisioningOptions, PromQLOptions } from './grafana';
