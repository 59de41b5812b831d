import type { LevelName } from '../levels';

/** One finished record, as every destination receives it. */
export interface LogEntry {
  readonly level: LevelName;
  /** Milliseconds since the epoch, the record's `timestamp`. */
  readonly time: number;
  /** The record as one line of JSON, without the trailing newline. */
  readonly line: string;
}

/**
 * Where records go. `write` must not throw or block for long: buffer, batch and count drops
 * instead. `flushSync`, when present, is called on process exit so nothing already logged is lost.
 */
export interface LogDestination {
  write(entry: LogEntry): void;
  flushSync?(): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Called by `createLogger()` with its service, for a destination that labels what it sends
   * with one (Loki's `service` and `environment` stream labels) and was given none itself.
   */
  useService?(service: { readonly name: string; readonly environment: string }): void;
}
