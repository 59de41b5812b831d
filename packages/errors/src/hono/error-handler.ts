import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { getContext, ObsConfigError, redactUrl, reportInternalError } from '@obs/core';
import { inErrorContext, toError } from '@obs/core/hono';
import type { HttpError } from '../http-error';
import { notFound, toHttpError, toProblem, type Problem } from '../http-error';
import type { ErrorTracker } from '../init';

export interface ErrorHandlerOptions {
  /** Where 5xx go (never 4xx). Without it, nothing is reported beyond the hooks. */
  errors?: ErrorTracker;
  /** Logs each error once: 5xx as errors (with the original error), 4xx as you like. */
  log?: (info: { error: HttpError; original: unknown; problem: Problem; c: Context }) => void;
  /** Counts each error, e.g. into `errors_total{type,status}`. */
  count?: (labels: { type: string; status: string }) => void;
  /**
   * Show 5xx details to clients. @default true only when the environment is 'development' or
   * 'test' (core's service info), so production never leaks internal messages.
   */
  exposeServerErrors?: boolean;
  /** Base URI for problem `type`s. @default 'about:blank' */
  typeBase?: string;
  /** Bodies up to this many bytes go into the Sentry event (redacted). @default 16_384 */
  maxBodyBytes?: number;
}

const PROBLEM_JSON = 'application/problem+json';

function problemResponse(problem: Problem, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { ...headers, 'content-type': PROBLEM_JSON },
  });
}

/**
 * The body the handler already read (Hono keeps it in `bodyCache`), never the raw stream: an
 * error report must not wait on a slow upload or hold a large one in memory.
 */
async function cachedBody(c: Context, max: number): Promise<string | undefined> {
  // Hono keeps the promises of what was read (the types call them methods).
  const cache = c.req.bodyCache as {
    text?: Promise<string>;
    json?: Promise<unknown>;
    arrayBuffer?: Promise<ArrayBuffer>;
  };
  try {
    let text: string | undefined;
    if (cache.text) text = await cache.text;
    else if (cache.json) text = JSON.stringify(await cache.json);
    else if (cache.arrayBuffer) text = new TextDecoder().decode(await cache.arrayBuffer);
    if (text === undefined || text === '') return undefined;
    return text.length > max ? '[body not captured: larger than maxBodyBytes]' : text;
  } catch {
    return undefined; // the handler's own read failed (malformed JSON): nothing to show
  }
}

async function bodyIsMalformedJson(c: Context): Promise<boolean> {
  const text = (c.req.bodyCache as { text?: Promise<string> }).text;
  if (!text) return false;
  try {
    JSON.parse(await text);
    return false;
  } catch {
    return true;
  }
}

/** Headers that name the client (its address): sent only with `sendDefaultPii`. */
const CLIENT_ADDRESS_HEADERS = new Set([
  'x-forwarded-for',
  'x-real-ip',
  'forwarded',
  'cf-connecting-ip',
  'true-client-ip',
  'x-client-ip',
]);

/**
 * `app.onError(errorHandler({ errors }))`: every thrown error as RFC 9457 problem+json, with the
 * request id; validation errors (zod) as 422 with field paths, bad JSON as 400, oversized bodies as
 * 413. 5xx show no internals outside development, are reported to Sentry with the request (its
 * headers, query and body redacted); 4xx are never reported. Each error is logged and counted once
 * through the hooks.
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorHandler {
  const { errors, log, count, typeBase, maxBodyBytes = 16_384 } = options;
  for (const [name, hook] of Object.entries({ log, count }))
    if (hook !== undefined && typeof hook !== 'function')
      throw new ObsConfigError(name, 'expected a function');
  // Only an environment someone set says development: core's fallback (nothing set) must not
  // show internals to the clients of a production server configured without ENVIRONMENT.
  const declared = process.env.ENVIRONMENT?.trim() || process.env.NODE_ENV?.trim();
  const exposeServerErrors =
    options.exposeServerErrors ?? (declared === 'development' || declared === 'test');

  // In the request's context: a value thrown that is not an Error gets here outside it.
  return (thrown, c) => inErrorContext(c, () => answer(thrown, c));

  async function answer(thrown: unknown, c: Context): Promise<Response> {
    // Hono hands over only Errors (obsContext() turns any other thrown value into one), but this
    // handler may be called by other code: what is reported and logged is always an Error.
    const err = toError(thrown);
    // A SyntaxError while the request's own body is not valid JSON is the client's malformed
    // JSON (c.req.json() reads the text, then parses it); any other (an upstream's) is ours.
    const bodyParse = err instanceof SyntaxError && (await bodyIsMalformedJson(c));
    const error = toHttpError(err, { bodyParseError: bodyParse });
    const problem = toProblem(error, {
      instance: c.req.path,
      requestId: getContext()?.requestId ?? c.get('requestId'),
      exposeServerErrors,
      typeBase,
    });
    try {
      if (error.status >= 500 && errors?.enabled) {
        const body = await cachedBody(c, maxBodyBytes);
        errors.captureError(error.status === 500 && error.cause !== undefined ? error.cause : err, {
          status: error.status,
          request: {
            method: c.req.method,
            url: redactUrl(c.req.url),
            headers: Object.fromEntries(
              [...c.req.raw.headers].filter(
                ([name]) => errors.sendsPii || !CLIENT_ADDRESS_HEADERS.has(name),
              ),
            ),
            ...(body !== undefined ? { data: body } : {}),
          },
        });
      }
      log?.({ error, original: err, problem, c });
      count?.({
        type: error.status >= 500 && err instanceof Error ? err.name : error.code,
        status: String(error.status),
      });
    } catch (hookError) {
      reportInternalError(hookError, '@obs/errors: errorHandler hooks');
    }
    return problemResponse(problem, error.headers);
  }
}

/** `app.notFound(notFoundHandler())`: 404 as problem+json, with the request id. */
export function notFoundHandler(
  options: Pick<ErrorHandlerOptions, 'typeBase'> = {},
): NotFoundHandler {
  return (c) =>
    problemResponse(
      toProblem(notFound(`No route for ${c.req.method} ${c.req.path}`), {
        instance: c.req.path,
        requestId: getContext()?.requestId ?? c.get('requestId'),
        typeBase: options.typeBase,
      }),
    );
}
