import { processSingleton } from './global';

/** Receives every telemetry failure: an exporter down, a full buffer, a check that threw. */
export type InternalErrorHandler = (error: unknown, where: string) => void;

const REPEAT_WINDOW_MS = 60_000;
const MAX_TRACKED_CAUSES = 1000;

interface HandlerState {
  handler: InternalErrorHandler;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message}`;
  }
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}

/**
 * The default handler: one line on stderr per distinct cause (where + error) per minute, with a
 * count of the repeats it held back, so a dead exporter cannot flood the app's own output.
 */
export function createStderrHandler(
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => number = Date.now,
): InternalErrorHandler {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (error, where) => {
    const cause = `${where}: ${describe(error).replace(/[\r\n]+/g, ' ')}`;
    const t = now();
    const entry = seen.get(cause);
    if (entry && t - entry.at < REPEAT_WINDOW_MS) {
      entry.suppressed += 1;
      return;
    }
    if (!entry && seen.size >= MAX_TRACKED_CAUSES) seen.clear();
    const repeats = entry?.suppressed ? ` (repeated ${entry.suppressed} more time(s))` : '';
    seen.set(cause, { at: t, suppressed: 0 });
    write(`[@obs] ${cause}${repeats}\n`);
  };
}

const state = processSingleton<HandlerState>('internalErrors', () => ({
  handler: createStderrHandler(),
}));

/**
 * Replaces the process-wide handler for telemetry failures (pass `undefined` to restore the
 * default stderr handler). Route them to your own logger or a counter; the handler must not throw,
 * and if it does the throw is swallowed.
 *
 * @example
 * ```ts
 * setInternalErrorHandler((err, where) => internalErrors.inc({ where }));
 * ```
 */
export function setInternalErrorHandler(handler: InternalErrorHandler | undefined): void {
  state.handler = handler ?? createStderrHandler();
}

/**
 * Reports a telemetry failure. Never throws, whatever the handler does: telemetry must not break
 * the app it observes.
 *
 * @param where - the component that failed, e.g. `'@obs/logging: loki transport'`.
 */
export function reportInternalError(error: unknown, where: string): void {
  try {
    state.handler(error, where);
  } catch {
    // The handler itself failed; there is nowhere safer left to report to.
  }
}
