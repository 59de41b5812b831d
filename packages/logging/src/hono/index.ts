export { requestLogger, requestLoggerInstrument } from './request-logger';
export type { RequestLoggerOptions } from './request-logger';
