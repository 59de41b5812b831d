export { tracing } from './tracing';
export type { TracingMiddlewareOptions } from './tracing';
