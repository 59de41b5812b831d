export { obsContext } from './obs-context';
export type { ObsContextOptions, TrustProxy } from './obs-context';
