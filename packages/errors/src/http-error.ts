/** One field's problem in a validation error: `path` as dotted segments (`events.3.credits`). */
export interface FieldError {
  path: string;
  message: string;
  code?: string;
}

export interface HttpErrorOptions {
  /** A stable, machine-readable code (`WORKSPACE_NOT_FOUND`). @default from the status (`NOT_FOUND`) */
  code?: string;
  /** What happened, for the client. */
  detail?: string;
  /** Field errors, for validation failures. */
  errors?: FieldError[];
  /** Response headers to send along (`Retry-After`, `WWW-Authenticate`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The standard reason phrase for a status, e.g. 422 → `Unprocessable Content`. */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

const codeOf = (status: number) => statusTitle(status).toUpperCase().replaceAll(' ', '_');

/**
 * An error that knows its HTTP answer: status, a stable `code`, a client-facing `detail` and, for
 * validation, field `errors`. Throw it from a handler; `errorHandler()` turns it into RFC 9457
 * problem+json.
 *
 * @example
 * ```ts
 * throw new HttpError(409, { code: 'EVENT_DUPLICATE', detail: 'event e-17 was already ingested' });
 * throw notFound('workspace w-1 does not exist');
 * ```
 */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, options: HttpErrorOptions = {}) {
    super(options.detail ?? statusTitle(status), { cause: options.cause });
    if (!Number.isInteger(status) || status < 400 || status > 599)
      throw new RangeError(`HttpError status must be 400–599, got ${status}`);
    this.name = 'HttpError';
    this.status = status;
    this.code = options.code ?? codeOf(status);
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get title(): string {
    return statusTitle(this.status);
  }
}

type Factory = (detail?: string, options?: Omit<HttpErrorOptions, 'detail'>) => HttpError;
const factory =
  (status: number): Factory =>
  (detail, options) =>
    new HttpError(status, { ...options, detail });

export const badRequest = factory(400);
export const unauthorized = factory(401);
export const forbidden = factory(403);
export const notFound = factory(404);
export const conflict = factory(409);
export const payloadTooLarge = factory(413);
export const unprocessable = factory(422);
export const tooManyRequests = factory(429);
export const serviceUnavailable = factory(503);

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}

interface ZodLikeIssue {
  path: readonly PropertyKey[];
  message: string;
  code?: string;
}

function zodIssues(err: unknown): ZodLikeIssue[] | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const issues = (err as { issues?: unknown }).issues;
  const name = (err as { name?: unknown }).name;
  return name === 'ZodError' && Array.isArray(issues) ? (issues as ZodLikeIssue[]) : undefined;
}

/**
 * Hono's HTTPException: an error carrying a 4xx/5xx `status` and `getResponse()`. Other errors
 * with a `status` (an HTTP client's error for an upstream 404) are not answers to our client.
 */
function httpException(
  err: unknown,
): { status: number; headers?: Record<string, string> } | undefined {
  const e = err as { status?: unknown; getResponse?: unknown } | null;
  const status = e?.status;
  if (typeof e?.getResponse !== 'function' || typeof status !== 'number') return undefined;
  if (!Number.isInteger(status) || status < 400 || status > 599) return undefined;
  try {
    const res = (e.getResponse as () => Response)();
    const headers = Object.fromEntries(
      [...res.headers].filter(([name]) => name !== 'content-type' && name !== 'content-length'),
    );
    return Object.keys(headers).length ? { status, headers } : { status };
  } catch {
    return { status };
  }
}

/**
 * Anything thrown, as an {@link HttpError}: an HttpError as is; a zod error as 422 with each
 * issue's field path; a failed parse of the request body (`bodyParseError`) as 400; a body over
 * the limit as 413; a body the client stopped sending (`aborted`) as 400;
 * an error carrying an HTTP `status` (Hono's HTTPException) with that status; everything else 500,
 * the original kept as `cause`.
 */
export function toHttpError(err: unknown, options: { bodyParseError?: boolean } = {}): HttpError {
  if (err instanceof HttpError) return err;
  const issues = zodIssues(err) ?? zodIssues((err as { cause?: unknown } | null)?.cause);
  if (issues) {
    return new HttpError(422, {
      code: 'VALIDATION_FAILED',
      detail: 'The request is not valid.',
      errors: issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
        ...(issue.code ? { code: issue.code } : {}),
      })),
      cause: err,
    });
  }
  if (err instanceof SyntaxError && options.bodyParseError) {
    return new HttpError(400, {
      code: 'MALFORMED_JSON',
      detail: 'The body is not valid JSON.',
      cause: err,
    });
  }
  // The client hung up while its body was being read (Node's `aborted`): its fault, not a 500
  // that would count towards the error rate. Nobody is left to read the answer.
  if (
    err instanceof Error &&
    err.message === 'aborted' &&
    (err as { code?: unknown }).code === 'ECONNRESET'
  ) {
    return new HttpError(400, {
      code: 'REQUEST_ABORTED',
      detail: 'The client closed the connection before its request was complete.',
      cause: err,
    });
  }
  const exception = httpException(err);
  if (exception?.status === 413 || (err as { name?: unknown } | null)?.name === 'BodyLimitError') {
    return new HttpError(413, {
      code: 'CONTENT_TOO_LARGE',
      detail: 'The body is too large.',
      cause: err,
    });
  }
  if (exception) {
    const message = err instanceof Error ? err.message : undefined;
    return new HttpError(exception.status, {
      detail: message || undefined,
      headers: exception.headers,
      cause: err,
    });
  }
  return new HttpError(500, { code: 'INTERNAL', cause: err });
}

/** An RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: FieldError[];
}

export interface ProblemOptions {
  /** The request path, as `instance`. */
  instance?: string;
  requestId?: string;
  /** Show 5xx details (development only). @default false */
  exposeServerErrors?: boolean;
  /** Base for `type` URIs: `${typeBase}${code in kebab-case}`. @default 'about:blank' for every type */
  typeBase?: string;
}

/**
 * The problem+json body for an error. 4xx keep their detail and field errors; a 5xx says only
 * that something failed (unless `exposeServerErrors`), so no internal message reaches a client.
 */
export function toProblem(error: HttpError, options: ProblemOptions = {}): Problem {
  const hidden = error.status >= 500 && !options.exposeServerErrors;
  const code = hidden ? codeOf(error.status) : error.code;
  const problem: Problem = {
    type: options.typeBase
      ? `${options.typeBase}${code.toLowerCase().replaceAll('_', '-')}`
      : 'about:blank',
    title: error.title,
    status: error.status,
    code,
  };
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const detail = hidden ? undefined : (error.detail ?? (error.status >= 500 ? cause : undefined));
  if (detail) problem.detail = detail;
  if (options.instance) problem.instance = options.instance;
  if (options.requestId) problem.request_id = options.requestId;
  if (error.errors && !hidden) problem.errors = error.errors;
  return problem;
}
