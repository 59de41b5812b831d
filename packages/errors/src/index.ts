export { initErrors } from './init';
export type { ErrorsOptions, ErrorTracker, CaptureContext, BreadcrumbSink } from './init';
export {
  HttpError,
  isHttpError,
  toHttpError,
  toProblem,
  statusTitle,
  badRequest,
  unauthorized,
  forbidden,
  notFound,
  conflict,
  payloadTooLarge,
  unprocessable,
  tooManyRequests,
  serviceUnavailable,
} from './http-error';
export type { HttpErrorOptions, FieldError, Problem, ProblemOptions } from './http-error';
export { installProcessHandlers } from './process';
export type { ProcessHandlerOptions } from './process';
