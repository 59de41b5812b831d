export { errorHandler, notFoundHandler } from './error-handler';
export type { ErrorHandlerOptions } from './error-handler';
