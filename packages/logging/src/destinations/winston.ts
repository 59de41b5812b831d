import TransportStream from 'winston-transport';
import winston from 'winston';
import { ObsConfigError, reportInternalError } from '@obs/core';
import { LEVEL_VALUES, LEVELS, type LevelName } from '../levels';
import type { LogDestination, LogEntry } from './destination';

export interface WinstonDestinationOptions {
  /** Any winston transports: Console, File, winston-daily-rotate-file, … */
  transports: TransportStream[];
  /** A winston format applied before the transports' own. @default none (records are already JSON-ready) */
  format?: winston.Logform.Format;
  /** The longest `flush()`/`close()` waits for the transports. @default 10_000 */
  flushTimeoutMs?: number;
  /**
   * Records held while the transports are slower than the app; past this they are dropped and
   * counted (winston alone would buffer without bound).
   * @default 10_000
   */
  maxPending?: number;
}

export interface WinstonDestination extends LogDestination {
  /** Records dropped because the transports fell behind. */
  readonly dropped: number;
}

const FLUSH_TIMEOUT_MS = 10_000;

/** winston's levels for ours: lower is more severe, as winston expects. */
const WINSTON_LEVELS = Object.fromEntries(
  LEVELS.map((level) => [level, (LEVEL_VALUES.fatal - LEVEL_VALUES[level]) / 10]),
) as Record<LevelName, number>;

export function isWinstonTransport(value: unknown): value is TransportStream {
  return (
    value instanceof TransportStream ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { log?: unknown }).log === 'function' &&
      typeof (value as { pipe?: unknown }).pipe === 'function')
  );
}

/**
 * Sends records through a winston logger and its transports, so the winston ecosystem stays
 * usable. Slower than the built-in destinations (winston's stream plumbing costs microseconds a
 * record), and bounded: when the transports fall behind, records are dropped and counted rather
 * than piling up in memory.
 *
 * @example
 * ```ts
 * import winston from 'winston';
 * const logger = createLogger({
 *   destination: winstonDestination({ transports: [new winston.transports.File({ filename: 'app.log' })] }),
 * });
 * ```
 */
export function winstonDestination(options: WinstonDestinationOptions): WinstonDestination {
  const { transports, format, maxPending = 10_000, flushTimeoutMs = FLUSH_TIMEOUT_MS } = options;
  if (
    !Array.isArray(transports) ||
    transports.length === 0 ||
    !transports.every(isWinstonTransport)
  ) {
    throw new ObsConfigError(
      'destination.transports',
      'expected a non-empty array of winston transports',
    );
  }
  if (!Number.isInteger(flushTimeoutMs) || flushTimeoutMs < 0) {
    throw new ObsConfigError('destination.flushTimeoutMs', 'expected an integer ≥ 0');
  }
  if (!Number.isInteger(maxPending) || maxPending < 1) {
    throw new ObsConfigError('destination.maxPending', 'expected an integer ≥ 1');
  }
  const logger = winston.createLogger({
    levels: WINSTON_LEVELS,
    level: 'trace',
    transports,
    exitOnError: false,
    ...(format ? { format } : {}),
  });
  logger.on('error', (err: unknown) =>
    reportInternalError(err, '@obs/logging: winston destination'),
  );
  let dropped = 0;
  let closed = false;

  // winston emits no event when everything is written ('drain' only follows a full buffer), so
  // wait until the logger and every transport hold nothing, checking every 10 ms, 5 s at most.
  const backlog = () =>
    logger.writableLength +
    logger.readableLength +
    transports.reduce((n, t) => n + t.writableLength, 0);
  // A record moving between the logger and a transport can leave both counts at zero for an
  // instant: only two empty readings in a row mean drained.
  const drained = async () => {
    const deadline = Date.now() + flushTimeoutMs;
    for (let empty = 0; empty < 2 && Date.now() < deadline;) {
      empty = backlog() === 0 ? empty + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  return {
    write(entry: LogEntry) {
      if (closed) return;
      if (logger.writableLength >= maxPending) {
        if (dropped++ === 0) {
          reportInternalError(
            new Error(`winston transports fell ${maxPending} records behind; dropping`),
            '@obs/logging: winston destination',
          );
        }
        return;
      }
      try {
        logger.log(JSON.parse(entry.line) as winston.LogEntry);
      } catch (err) {
        reportInternalError(err, '@obs/logging: winston destination');
      }
    },
    get dropped() {
      return dropped;
    },
    flush: drained,
    async close() {
      if (closed) return;
      closed = true;
      await drained();
      // The logger finishing is not enough: file transports may still be writing.
      const finished = transports.map(
        (t) =>
          new Promise<void>((resolve) => {
            if (t.writableFinished) resolve();
            t.once('finish', () => resolve());
            t.once('error', () => resolve());
            setTimeout(resolve, flushTimeoutMs).unref();
          }),
      );
      logger.end();
      await Promise.all(finished);
    },
  };
}
