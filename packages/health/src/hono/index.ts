export { healthRoutes } from './routes';
export type { HealthRoutesOptions } from './routes';
