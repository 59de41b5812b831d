import type { Context, Next } from 'hono';
import { bindContext } from '../context';

/** A thrown string is shown up to this many characters: enough to recognise, never a dump. */
const MAX_SHOWN = 200;

/** What `value` is, without reading anything from it: a getter, proxy or `toString` may throw. */
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value);
    case 'object':
      return value === null ? 'null' : 'an object';
    case 'function':
      return 'a function';
    default:
      // undefined, numbers, booleans, bigints and symbols: String() never throws for these.
      return String(value);
  }
}

/** `instanceof Error`, which throws for a revoked proxy. */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * `value` when it is an Error, otherwise an Error standing for it: named `NonError`, with a
 * message that says what was thrown (a string's text, a number; never an object's contents, which
 * may hold anything) and the value itself as `cause`, for diagnosis. For code that catches
 * whatever a handler throws (`throw 'boom'`, `Promise.reject(null)`) and must hand an Error on.
 *
 * @param value - anything caught.
 * @example
 * ```ts
 * import { toError } from '@obs/core/hono';
 *
 * try {
 *   await job();
 * } catch (thrown) {
 *   const error = toError(thrown); // Error: Non-Error thrown: "boom"
 * }
 * ```
 */
export function toError(value: unknown): Error {
  if (isError(value)) return value;
  const error = new Error(`Non-Error thrown: ${describeValue(value)}`, { cause: value });
  error.name = 'NonError';
  return error;
}

/** Runs a function in the frame where a request's error was raised. */
type FrameRunner = (fn: () => unknown) => unknown;

// On the Hono context under a Symbol.for key: every copy of core (ESM and CJS builds) finds it.
const ERROR_FRAME = Symbol.for('@obs/core/hono.errorFrame');

interface WithErrorFrame {
  [ERROR_FRAME]?: FrameRunner;
}

/**
 * `next` with a rejection that is not an Error turned into one. Hono's compose hands only Errors
 * to `app.onError`; anything else passes every handler and reaches the runtime, which answers a
 * plain-text 500 with no request id, log line, count or report.
 */
export function nextWithErrors(c: Context, next: Next): () => Promise<void> {
  // A rejection handler only (no async frame per request): the common path pays one `then`.
  return () =>
    next().then(undefined, (thrown: unknown) => {
      const error = toError(thrown);
      if (error === thrown) throw thrown;
      // Set before the instruments' end reads the outcome (compose sets it again for onError).
      c.error = error;
      // onError runs after this middleware returned, outside the request's frame: keep the frame
      // for it (inErrorContext), so its report carries the request id, user and trace.
      (c as WithErrorFrame)[ERROR_FRAME] = bindContext((fn: () => unknown) => fn());
      // Its response is set after this middleware returned too. Reading `c.res` first makes Hono
      // copy the headers set so far (the request id's echo) onto it.
      // eslint-disable-next-line @typescript-eslint/no-meaningless-void-operator -- the getter's effect
      void c.res;
      throw error;
    });
}

/**
 * Runs `fn` in the request's @obs context and active trace, for an error handler. A value thrown
 * that is not an Error reaches `app.onError` only after `obsContext()` has turned it into one and
 * left the request's frame; inside `fn` the frame is back. Otherwise (an Error, which Hono answers
 * inside the frame) `fn` just runs.
 *
 * @param c - the Hono context `app.onError` was given.
 * @param fn - the handler's work.
 * @example
 * ```ts
 * import { getContext } from '@obs/core';
 * import { inErrorContext } from '@obs/core/hono';
 *
 * app.onError((err, c) =>
 *   inErrorContext(c, () => c.json({ requestId: getContext()?.requestId }, 500)),
 * );
 * ```
 */
export function inErrorContext<R>(c: Context, fn: () => R): R {
  const run = (c as WithErrorFrame)[ERROR_FRAME];
  return run ? (run(fn) as R) : fn();
}
