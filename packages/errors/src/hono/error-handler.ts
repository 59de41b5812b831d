import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { getContext, ObsConfigError, redactUrl, reportInternalError } from '@obs/core';
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

async function requestBody(c: Context, max: number): Promise<string | undefined> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return undefined;
  const length = Number(c.req.header('content-length') ?? 0);
  if (length > max) return '[body not captured: larger than maxBodyBytes]';
  try {
    const text = await c.req.text(); // Hono keeps a body the handler already read
    return text.length > max ? '[body not captured: larger than maxBodyBytes]' : text || undefined;
  } catch {
    return undefined; // already consumed as a stream, or unreadable: the event goes without it
  }
}

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
  const environment = errors?.service.environment ?? process.env.NODE_ENV ?? 'development';
  const exposeServerErrors =
    options.exposeServerErrors ?? (environment === 'development' || environment === 'test');

  return async (err, c) => {
    const error = toHttpError(err);
    const problem = toProblem(error, {
      instance: c.req.path,
      requestId: getContext()?.requestId ?? c.get('requestId'),
      exposeServerErrors,
      typeBase,
    });
    try {
      if (error.status >= 500 && errors?.enabled) {
        const body = await requestBody(c, maxBodyBytes);
        errors.captureError(error.status === 500 && error.cause !== undefined ? error.cause : err, {
          status: error.status,
          request: {
            method: c.req.method,
            url: redactUrl(c.req.url),
            headers: Object.fromEntries(c.req.raw.headers),
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
  };
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
