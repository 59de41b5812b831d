export { requestLogger } from './request-logger';
export type { RequestLoggerOptions } from './request-logger';
