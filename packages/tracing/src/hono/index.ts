export { tracing, tracingInstrument } from './tracing';
export type { TracingMiddlewareOptions } from './tracing';
