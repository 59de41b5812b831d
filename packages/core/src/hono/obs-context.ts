import type { Context, MiddlewareHandler } from 'hono';
import type { GetConnInfo } from 'hono/conninfo';
import { runRequest, runWithContext, type ObsContextInit } from '../context';
import type { RequestInstrument } from '../instrument';
import { ObsConfigError } from '../errors';
import { reportInternalError } from '../internal-errors';
import { isValidRequestId, resolveRequestId } from '../request-id';
import { clientIpResolver, type TrustProxy } from './client-ip';
import { checkInstruments, HonoRequest, honoOutcome } from './request';
import { nextWithErrors } from './thrown';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}

export type { TrustProxy };

export interface ObsContextOptions {
  /**
   * The request id header, read (when well-formed) and echoed on every response.
   * @default 'X-Request-ID'
   */
  headerName?: string;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address.
   * @default false
   */
  trustProxy?: TrustProxy;
  /**
   * How to read the socket's peer address on your runtime (`getConnInfo` from
   * `@hono/node-server/conninfo`, `hono/bun`, `hono/deno`, …).
   * @default reads `@hono/node-server`'s incoming socket
   */
  getConnInfo?: GetConnInfo;
}

const MAX_USER_AGENT = 512;

/** obsContext() without instruments: the frame and the id's echo, with nothing to run around. */
async function contextOnly(
  request: HonoRequest,
  ctx: ObsContextInit,
  next: () => Promise<void>,
  headerName: string,
  requestId: string,
): Promise<void> {
  await runWithContext(ctx, next);
  request.setResponseHeader(headerName, requestId);
}

/**
 * Opens the @obs context for each request: a request id (the inbound `X-Request-ID` when
 * well-formed, otherwise a new UUID), correlation id, client address and user agent. Every log
 * line, span, metric exemplar and error event of the request picks them up. Sets
 * `c.var.requestId` and echoes the id on every response, error responses included.
 *
 * Register it first, before any middleware that logs or measures. Request instruments given to it
 * (each @obs package offers one: `tracingInstrument()`, `requestLoggerInstrument()`,
 * `httpMetricsInstrument()`) run in the same middleware and the same AsyncLocalStorage frame,
 * which is how `observe()` from `@obs/kit/hono` adds everything at the cost of one layer.
 *
 * @param options.headerName - @default 'X-Request-ID'
 * @param options.trustProxy - @default false
 * @param options.getConnInfo - @default the `@hono/node-server` socket
 * @param instruments - run for every request in this middleware's frame, in order. @default []
 * @throws ObsConfigError naming `headerName`, `getConnInfo` or `instruments`.
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { getContext } from '@obs/core';
 * import { obsContext } from '@obs/core/hono';
 *
 * const app = new Hono();
 * app.use(obsContext({ trustProxy: ['10.0.0.0/8'] }));
 * app.get('/', (c) => c.json({ requestId: c.var.requestId, ip: getContext()?.clientIp }));
 * ```
 */
export function obsContext(
  options: ObsContextOptions = {},
  instruments: readonly RequestInstrument<Context>[] = [],
): MiddlewareHandler {
  const { headerName = 'X-Request-ID', trustProxy = false, getConnInfo } = options;
  if (typeof headerName !== 'string' || !/^[A-Za-z0-9-]+$/.test(headerName)) {
    throw new ObsConfigError('headerName', 'expected an HTTP header name');
  }
  if (getConnInfo !== undefined && typeof getConnInfo !== 'function') {
    throw new ObsConfigError('getConnInfo', 'expected a function');
  }
  // First, so that its end runs last: the id is on whatever response the app ended up with.
  const echo: RequestInstrument<Context, string> = {
    name: '@obs/core: obsContext',
    start: (_request, start) => start.context?.requestId,
    end: (requestId, request) => request.setResponseHeader(headerName, requestId),
  };
  const instrumentsWithEcho = [echo, ...checkInstruments('instruments', instruments)];
  const instrumented = instrumentsWithEcho.length > 1;
  const headerKey = headerName.toLowerCase();
  const resolveClientIp = clientIpResolver(trustProxy);
  // Header reads cost ~0.5 µs each; skip the one nobody is allowed to use.
  const trustsProxies = trustProxy !== false && trustProxy !== 0;
  const socketAddress = (request: HonoRequest): string | undefined => {
    if (!getConnInfo) return request.remoteAddress;
    try {
      return getConnInfo(request.native).remote.address;
    } catch (err) {
      // A runtime adapter that cannot tell (e.g. under app.request) must not fail the request.
      reportInternalError(err, '@obs/core: obsContext (reading the client address)');
      return undefined;
    }
  };

  return function obsContextMiddleware(c, next) {
    const request = new HonoRequest(c);
    const requestId = resolveRequestId(request.header(headerKey));
    const ctx: { -readonly [K in keyof ObsContextInit]: ObsContextInit[K] } = { requestId };
    const correlationId = request.header('x-correlation-id');
    if (isValidRequestId(correlationId)) ctx.correlationId = correlationId;
    const forwardedFor = trustsProxies ? request.header('x-forwarded-for') : undefined;
    const clientIp = resolveClientIp(socketAddress(request), forwardedFor);
    if (clientIp !== undefined) ctx.clientIp = clientIp;
    const userAgent = request.header('user-agent');
    if (userAgent) ctx.userAgent = userAgent.slice(0, MAX_USER_AGENT);

    c.set('requestId', requestId);
    request.setResponseHeader(headerName, requestId);
    const handle = nextWithErrors(c, next);
    if (!instrumented) return contextOnly(request, ctx, handle, headerName, requestId);
    return runRequest(request, ctx, instrumentsWithEcho, handle, honoOutcome);
  };
}
