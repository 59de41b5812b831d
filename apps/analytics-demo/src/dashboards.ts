// The demo's dashboards, written once: the built-in dashboard draws the business panels from the
// service's own metrics, and `pnpm --filter analytics-demo export:monitoring` writes both
// dashboards as Grafana JSON, with the provisioning file that loads them, into monitoring/grafana/.
import {
  grafanaProvisioning,
  overviewDashboard,
  rate,
  ratio,
  toGrafanaDashboard,
  value,
  type DashboardDefinition,
} from '@obs/dashboard';

/** Seed 000's business panels, from the metrics of src/app-metrics.ts. */
export function businessDashboard(): DashboardDefinition {
  const cacheGets = 'cache_operations_total';
  return {
    uid: 'analytics-business',
    title: 'Analytics business',
    tags: ['obs', 'analytics'],
    panels: [
      {
        title: 'Active users',
        description: 'Distinct users with an event in the last hour, per workspace (rollup job)',
        unit: 'short',
        queries: [value('analytics_active_users', { by: ['workspace_id'] })],
      },
      {
        title: 'Credits consumed per agent',
        description: 'Credits per second carried by accepted usage events',
        unit: 'short',
        queries: [rate('analytics_credits_consumed_total', { by: ['agent_id'] })],
      },
      {
        title: 'Cache hit rate',
        description:
          'Share of analytics cache reads answered from the cache (hit / hit+miss+error)',
        unit: 'percentunit',
        queries: [
          ratio(
            rate(cacheGets, { where: { operation: 'get', result: 'hit' } }),
            rate(cacheGets, { where: { operation: 'get' } }),
          ),
        ],
      },
      {
        title: 'Background jobs',
        description: 'Job runs per second by type and outcome (success, failure)',
        unit: 'ops',
        queries: [rate('background_jobs_total', { by: ['job_type', 'status'] })],
      },
      {
        title: 'Database connections',
        description: 'Pool connections by state: total, active, idle, available, max, waiting',
        unit: 'short',
        queries: [value('database_connections', { by: ['state'] })],
      },
      {
        title: 'Authentication failures',
        description: 'Refused requests per second: missing or invalid credentials, forbidden',
        unit: 'reqps',
        queries: [rate('auth_failures_total', { by: ['reason'] })],
      },
    ],
  };
}

/** The overview every @obs service has, titled for the demo. */
export const overview = (): DashboardDefinition => overviewDashboard('Analytics overview');

/** Where Grafana's container finds the dashboard files (monitoring/docker-compose.yml mounts them). */
export const GRAFANA_DASHBOARDS_PATH = '/var/lib/grafana/dashboards';

/**
 * The files of monitoring/grafana/ the export writes, by path under that folder: the two
 * dashboards as Grafana JSON, and the provider that loads them (beside the data sources'
 * provisioning, which is written by hand).
 */
export function grafanaFiles(): Record<string, string> {
  const json = (definition: DashboardDefinition) =>
    `${JSON.stringify(toGrafanaDashboard(definition), null, 2)}\n`;
  return {
    'dashboards/obs-overview.json': json(overview()),
    'dashboards/analytics-business.json': json(businessDashboard()),
    'provisioning/dashboards/obs.yml': grafanaProvisioning({
      dashboardsPath: GRAFANA_DASHBOARDS_PATH,
      folder: 'Analytics',
    }),
  };
}
