export { initTracing } from './init';
export type { Tracing } from './init';
export type { TracingOptions, ExporterKind, OtlpProtocol } from './options';
export { SpanRing } from './processors';
export type { SpanRecord, TracingStats } from './processors';
export {
  SCOPE,
  withSpan,
  traced,
  Traced,
  currentSpan,
  setAttributes,
  addEvent,
  injectHeaders,
  extractContext,
} from './spans';
export type { SpanOptions } from './spans';
export { tracedFetch } from './fetch';
export { traceDb, traceCache, sanitizeSql } from './db';
export type { DbSpanOptions, CacheSpanOptions } from './db';
