import { ObsConfigError, reportInternalError } from '@obs/core';
import { prettyLine } from '../pretty';
import type { LogDestination, LogEntry } from './destination';
import { FdWriter } from './fd-writer';

export interface StreamDestinationOptions {
  /** `'json'` (one JSON record per line) or `'pretty'` (colored, for a terminal). @default 'json' */
  format?: 'json' | 'pretty';
  /** Colors in pretty format. @default true when writing to a terminal and `NO_COLOR` is unset */
  colors?: boolean;
}

/**
 * A buffered destination on standard output or a file: records collect in memory and are written
 * in blocks of 64 KiB, or every 100 ms, synchronously, and whatever is left is written on exit.
 */
export class StreamDestination implements LogDestination {
  private readonly writer: FdWriter;
  private readonly pretty: boolean;
  private readonly colors: boolean;
  private closed = false;

  constructor(target: number | string, options: StreamDestinationOptions = {}) {
    const format: unknown = options.format ?? 'json';
    if (format !== 'json' && format !== 'pretty') {
      throw new ObsConfigError('format', 'expected "json" or "pretty"');
    }
    this.pretty = format === 'pretty';
    const tty =
      typeof target === 'number' &&
      (target === 1 ? process.stdout.isTTY : target === 2 && process.stderr.isTTY);
    this.colors = options.colors ?? (tty && !process.env.NO_COLOR);
    this.writer = new FdWriter(target, '@obs/logging: stream destination');
  }

  /** Records lost because the output refused them. */
  get dropped(): number {
    return this.writer.dropped;
  }

  write(entry: LogEntry): void {
    if (this.closed) return;
    try {
      this.writer.write(`${this.pretty ? prettyLine(entry.line, this.colors) : entry.line}\n`);
    } catch (err) {
      reportInternalError(err, '@obs/logging: stream destination');
    }
  }

  flushSync(): void {
    if (!this.closed) this.writer.flushSync();
  }

  flush(): Promise<void> {
    this.flushSync();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.writer.close();
    }
    return Promise.resolve();
  }
}

/** Records to standard output: the default destination. */
export function stdoutDestination(options: StreamDestinationOptions = {}): LogDestination {
  return new StreamDestination(1, options);
}

export interface FileDestinationOptions extends StreamDestinationOptions {
  /** The file to append to; its folder is created when missing. */
  path: string;
}

/** Records appended to a file, buffered, flushed on exit. */
export function fileDestination(options: FileDestinationOptions): LogDestination {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new ObsConfigError('destination.path', 'expected a file path');
  }
  return new StreamDestination(options.path, options);
}
