export { createLogger } from './logger';
export type { Logger, LogFields, LogMethod, LoggerStats } from './logger';
export type { SamplingOptions, ThrottleRule } from './gate';
export type { LoggerOptions, DestinationOption } from './options';
export { LEVELS, LEVEL_VALUES } from './levels';
export type { LevelName } from './levels';
export type { LogDestination, LogEntry } from './destinations/destination';
export { stdoutDestination, fileDestination } from './destinations/stream';
export type { StreamDestinationOptions, FileDestinationOptions } from './destinations/stream';
export { memoryDestination } from './destinations/memory';
export type { MemoryDestination } from './destinations/memory';
export type { RotateOptions } from './destinations/rotating';
export { winstonDestination } from './destinations/winston';
export type { WinstonDestination, WinstonDestinationOptions } from './destinations/winston';
export { lokiDestination } from './shipping/loki';
export type { LokiDestinationOptions } from './shipping/loki';
export { elasticsearchDestination } from './shipping/elasticsearch';
export type { ElasticsearchDestinationOptions } from './shipping/elasticsearch';
export { httpDestination } from './shipping/http';
export type { HttpDestinationOptions } from './shipping/http';
export type { ShipperOptions, ShipperStats, ShippingDestination } from './shipping/shipper';
export { createAuditLogger, verifyAuditLog } from './audit';
export type {
  AuditEvent,
  AuditHead,
  AuditLogger,
  AuditLoggerOptions,
  AuditVerification,
  VerifyAuditOptions,
} from './audit';
