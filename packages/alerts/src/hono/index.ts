export { alertRoutes } from './routes';
export type { AlertRoutesOptions } from './routes';
