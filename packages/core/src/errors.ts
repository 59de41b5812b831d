const BRAND = Symbol.for('@obs/core.ObsError');

/**
 * What went wrong, as a stable string callers can branch on:
 * - `CONFIG_INVALID`: a factory option is wrong (always an {@link ObsConfigError}).
 * - `EXPORT_FAILED`: an exporter or transport could not deliver telemetry.
 * - `QUEUE_FULL`: a bounded buffer was full and data was dropped.
 * - `TIMEOUT`: an operation (a health check, a flush) ran past its deadline.
 * - `SHUTDOWN`: the component was used after `shutdown()`/`close()`.
 * - `INTERNAL`: anything else inside @obs.
 */
export type ObsErrorCode =
  'CONFIG_INVALID' | 'EXPORT_FAILED' | 'QUEUE_FULL' | 'TIMEOUT' | 'SHUTDOWN' | 'INTERNAL';

/**
 * The base error of every @obs package. Recognise it with {@link isObsError}, which also works
 * across duplicate copies of this package where `instanceof` does not.
 */
export class ObsError extends Error {
  readonly code: ObsErrorCode;

  constructor(code: ObsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ObsError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** A factory option is invalid. `option` names it (dotted for nested options: `batch.maxSize`). */
export class ObsConfigError extends ObsError {
  readonly option: string;

  constructor(option: string, problem: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', `Invalid option "${option}": ${problem}`, options);
    this.name = 'ObsConfigError';
    this.option = option;
  }
}

/**
 * True for any {@link ObsError} (optionally with the given code), from any copy of @obs/core.
 *
 * @example
 * ```ts
 * try { createLogger({ level: 'loud' }) } catch (e) { if (isObsError(e, 'CONFIG_INVALID')) … }
 * ```
 */
export function isObsError(value: unknown, code?: ObsErrorCode): value is ObsError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as { [BRAND]?: unknown })[BRAND] !== true) return false;
  return code === undefined || (value as ObsError).code === code;
}

/** The shape of a schema validation issue (zod's `issues` fit it). */
export interface ConfigIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Turns the first schema issue into an {@link ObsConfigError} naming the option, so every
 * package's zod-validated factory reports bad options the same way.
 *
 * @param issues - e.g. `result.error.issues` from zod's `safeParse`.
 * @param prefix - prepended to the option path, for options nested under a parent name.
 */
export function configErrorFromIssues(
  issues: readonly ConfigIssue[],
  prefix?: string,
): ObsConfigError {
  const first = issues[0];
  const path = first?.path.map(String).join('.') ?? '';
  const option = [prefix, path].filter(Boolean).join('.') || '(options)';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem(s))` : '';
  return new ObsConfigError(option, `${first?.message ?? 'invalid'}${more}`);
}
