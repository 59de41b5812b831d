export { createObservability } from './observability';
export type {
  Observability,
  ObservabilityOptions,
  PartOption,
  PartName,
  Made,
} from './observability';
