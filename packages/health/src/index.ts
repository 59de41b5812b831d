export { createHealth, aggregate, errorMessage } from './health';
export type {
  Health,
  HealthOptions,
  HealthCheck,
  CheckOptions,
  CheckOutcome,
  CheckResult,
  HealthReport,
  HealthStatus,
} from './health';
export { sqlCheck, redisCheck, httpCheck, diskCheck, memoryCheck, eventLoopCheck } from './checks';
export type {
  HttpCheckOptions,
  DiskCheckOptions,
  MemoryCheckOptions,
  EventLoopCheckOptions,
} from './checks';
export { createShutdown } from './shutdown';
export type { Shutdown, ShutdownOptions, ShutdownHook } from './shutdown';
