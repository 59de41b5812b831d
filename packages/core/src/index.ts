export {
  runWithContext,
  getContext,
  updateContext,
  bindContext,
  contextScope,
  otelContextStore,
} from './context';
export type { ObsContext, ObsContextInit, ContextAttributeValue } from './context';
export type {
  InstrumentedRequest,
  RequestInstrument,
  RequestOutcome,
  RequestStart,
} from './instrument';
export { getTraceIds, contextFields } from './context-fields';
export type { TraceIds, ContextFields } from './context-fields';
export { resolveServiceInfo } from './service-info';
export type { ServiceInfo, ServiceInfoOptions } from './service-info';
export { isValidRequestId, generateRequestId, resolveRequestId } from './request-id';
export { httpMethodLabel, OTHER_HTTP_METHOD } from './http-method';
export { contentLength } from './content-length';
export { constantTimeEqual } from './constant-time';
export { createRedactor, DEFAULT_REDACT_PATHS } from './redact';
export type { Redactor, RedactorOptions, Censor } from './redact';
export { sensitiveKeyMatcher, redactQuery, redactUrl, redactCredentials } from './redact-url';
export { ObsError, ObsConfigError, isObsError, configErrorFromIssues } from './errors';
export type { ObsErrorCode, ConfigIssue } from './errors';
export { setInternalErrorHandler, reportInternalError } from './internal-errors';
export type { InternalErrorHandler } from './internal-errors';
