export { obsContext } from './obs-context';
export type { ObsContextOptions, TrustProxy } from './obs-context';
export { routeTemplate } from './route';
export { pathMatcher, contentLength, OPERATIONAL_PATHS } from './paths';
export type { PathList } from './paths';
