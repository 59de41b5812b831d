export { obsDashboard } from './dashboard';
export type { ObsDashboard, ObsDashboardOptions } from './dashboard';
