export { obsContext } from './obs-context';
export type { ObsContextOptions, TrustProxy } from './obs-context';
export { routeTemplate } from './route';
