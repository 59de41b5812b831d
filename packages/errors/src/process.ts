import { reportInternalError } from '@obs/core';
import type { ErrorTracker } from './init';

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export interface ProcessHandlerOptions {
  errors?: ErrorTracker;
  /** Logs the error (e.g. `logger.fatal`) and flushes logs if it can. */
  log?: (error: unknown, kind: 'uncaughtException' | 'unhandledRejection') => void | Promise<void>;
  /** How long to wait for the report and the log before exiting. @default 2000 */
  flushTimeoutMs?: number;
}

/**
 * Handles `uncaughtException` and `unhandledRejection` as Node would (print the error, exit with
 * code 1), after capturing it, logging it and flushing both within `flushTimeoutMs`. Returns a
 * function that removes the handlers.
 */
export function installProcessHandlers(options: ProcessHandlerOptions = {}): () => void {
  const { errors, log, flushTimeoutMs = 2000 } = options;
  let exiting = false;
  const handle = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    if (exiting) {
      // A second failure while flushing: shown, but the first one decides.
      process.stderr.write(`${kind} while exiting: ${describe(error)}\n`);
      return;
    }
    exiting = true;
    // Not unref'd: this timer is what keeps the process alive until it exits with code 1.
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, flushTimeoutMs));
    const work = (async () => {
      try {
        errors?.captureError(error, { level: 'fatal', tags: { mechanism: kind } });
        await log?.(error, kind);
        await errors?.flush(flushTimeoutMs);
      } catch (err) {
        reportInternalError(err, '@obs/errors: process handler');
      }
    })();
    void Promise.race([work, deadline]).finally(() => {
      // Node's own behaviour for both (unhandled rejections throw by default since Node 15).
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? describe(error)) : describe(error)}\n`,
      );
      process.exit(1);
    });
  };
  const onException = handle('uncaughtException');
  const onRejection = handle('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
