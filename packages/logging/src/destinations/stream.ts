import { ObsConfigError, reportInternalError } from '@obs/core';
import { prettyLine } from '../pretty';
import type { LogDestination, LogEntry } from './destination';
import { FdWriter } from './fd-writer';
import { RotatingFile, type RotateOptions } from './rotating';

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
  private readonly writer: FdWriter | RotatingFile;
  private readonly pretty: boolean;
  private readonly colors: boolean;
  private closed = false;

  constructor(
    target: number | string,
    options: StreamDestinationOptions & { rotate?: RotateOptions } = {},
  ) {
    const format: unknown = options.format ?? 'json';
    if (format !== 'json' && format !== 'pretty') {
      throw new ObsConfigError('format', 'expected "json" or "pretty"');
    }
    this.pretty = format === 'pretty';
    const tty =
      typeof target === 'number' &&
      (target === 1 ? process.stdout.isTTY : target === 2 && process.stderr.isTTY);
    this.colors = options.colors ?? (tty && !process.env.NO_COLOR);
    this.writer =
      typeof target === 'string' && options.rotate
        ? new RotatingFile(target, options.rotate)
        : new FdWriter(target, '@obs/logging: stream destination');
  }

  /** Records lost because the output refused them. */
  get dropped(): number {
    return this.writer.dropped;
  }

  write(entry: LogEntry): void {
    if (this.closed) return;
    try {
      const text = `${this.pretty ? prettyLine(entry.line, this.colors) : entry.line}\n`;
      if (this.writer instanceof RotatingFile) this.writer.write(text, entry.time);
      else this.writer.write(text);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
    if (this.writer instanceof RotatingFile) await this.writer.settle();
  }
}

/** Records to standard output: the default destination. */
export function stdoutDestination(options: StreamDestinationOptions = {}): LogDestination {
  return new StreamDestination(1, options);
}

export interface FileDestinationOptions extends StreamDestinationOptions {
  /** The file to append to; its folder is created when missing. */
  path: string;
  /** Size- and/or time-based rotation with retention and optional gzip. @default no rotation */
  rotate?: RotateOptions;
}

/**
 * Records appended to a file, buffered, flushed on exit, optionally rotated.
 *
 * @example
 * ```ts
 * fileDestination({ path: 'logs/app.log', rotate: { maxSize: '50MB', interval: 'daily', maxFiles: 14, compress: true } });
 * ```
 */
export function fileDestination(options: FileDestinationOptions): LogDestination {
  if (typeof options.path !== 'string' || options.path === '') {
    throw new ObsConfigError('destination.path', 'expected a file path');
  }
  return new StreamDestination(options.path, options);
}
