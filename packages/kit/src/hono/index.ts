export { observe } from './observe';
export type { ObserveOptions, MetricsRouteOptions, MetricsHonoOptions } from './observe';
export type { Observability, PartOption } from '../observability';
