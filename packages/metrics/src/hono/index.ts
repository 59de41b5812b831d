export { httpMetrics, httpMetricsInstrument, UNMATCHED_ROUTE, OTHER_METHOD } from './http-metrics';
export type { HttpMetricsOptions } from './http-metrics';
export { metricsHandler } from './metrics-handler';
export type { MetricsHandlerOptions } from './metrics-handler';
