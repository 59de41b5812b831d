export { obsContext } from './obs-context';
export type { ObsContextOptions, TrustProxy } from './obs-context';
export { routeTemplate } from './route';
export { pathMatcher, contentLength, responseBodySize, OPERATIONAL_PATHS } from './helpers';
export type { PathList } from './helpers';
export { requestMiddleware, HonoRequest } from './request';
export { toError, inErrorContext } from './thrown';
