import { randomUUID } from 'node:crypto';

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * True when `value` may be used as a request id taken from outside: 1–128 characters of
 * `[A-Za-z0-9._:-]`. Anything else (spaces, quotes, newlines, over-long strings) could forge log
 * lines or headers, so it is never reflected.
 */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED.test(value);
}

/** A new request id: a random UUID v4. */
export function generateRequestId(): string {
  return randomUUID();
}

/**
 * The inbound id when it is well-formed, otherwise a freshly generated one.
 *
 * @example
 * ```ts
 * const id = resolveRequestId(req.headers['x-request-id']);
 * ```
 */
export function resolveRequestId(inbound: string | null | undefined): string {
  return isValidRequestId(inbound) ? inbound : randomUUID();
}
