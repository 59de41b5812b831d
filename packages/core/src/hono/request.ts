import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { runRequest } from '../context';
import { ObsConfigError } from '../errors';
import type { InstrumentedRequest, RequestInstrument, RequestOutcome } from '../instrument';
import { reportInternalError } from '../internal-errors';
import { responseBodySize, responseHeader } from './helpers';
import { routeTemplate } from './route';
import { nextWithErrors } from './thrown';

/** What runtimes put in `c.env`: @hono/node-server its request and response. */
interface NodeEnv {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
  server?: { incoming?: SocketHolder };
}

interface SocketHolder {
  socket?: { remoteAddress?: string };
}

/**
 * A Hono request for instruments. Under @hono/node-server it reads Node's own parsed headers and
 * sets response headers on Node's response (merged into whatever response the app builds), so no
 * fetch `Headers` object is built for either; elsewhere (`app.request()`, Bun, Deno) it goes
 * through Hono.
 */
export class HonoRequest implements InstrumentedRequest<Context> {
  private readonly incoming: IncomingMessage | undefined;
  private readonly outgoing: ServerResponse | undefined;

  constructor(readonly native: Context) {
    const env = native.env as NodeEnv | undefined;
    const incoming = env?.incoming;
    this.incoming = incoming?.headers ? incoming : undefined;
    const outgoing = env?.outgoing;
    this.outgoing =
      this.incoming && typeof outgoing?.setHeader === 'function' ? outgoing : undefined;
  }

  get method(): string {
    return this.native.req.method;
  }

  get path(): string {
    return this.native.req.path;
  }

  get url(): string {
    return this.native.req.url;
  }

  get remoteAddress(): string | undefined {
    const env = this.native.env as NodeEnv | undefined;
    const holder: SocketHolder | undefined = env?.server?.incoming ?? env?.incoming;
    return holder?.socket?.remoteAddress;
  }

  /** Whether response headers go to Node's response (else to Hono's). */
  get nodeResponse(): boolean {
    return this.outgoing !== undefined;
  }

  header(name: string): string | undefined {
    const { incoming } = this;
    if (!incoming) return this.native.req.header(name);
    const value = incoming.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(',') : value;
  }

  headers(): Record<string, string> {
    const { incoming } = this;
    if (!incoming) return this.native.req.header();
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      // HTTP/2 pseudo-headers (`:path` holds the raw query) are not headers.
      if (value !== undefined && !name.startsWith(':'))
        out[name] = Array.isArray(value) ? value.join(',') : value;
    }
    return out;
  }

  /**
   * Under @hono/node-server, on Node's response, which the app's response is merged into when it
   * is written; after the handler, also on the app's response when that sets the header itself
   * (its value would win). Elsewhere on Hono's response, copied when its headers are immutable.
   */
  setResponseHeader(name: string, value: string): void {
    const { outgoing, native: c } = this;
    if (outgoing && !outgoing.headersSent) {
      outgoing.setHeader(name, value);
      if (!c.finalized) return;
      const own = responseHeader(c.res, name.toLowerCase());
      if (own === undefined || own === value) return;
    } else if (!c.finalized) {
      c.header(name, value);
      return;
    }
    setOnResponse(c, name, value);
  }
}

/** Sets a header on the response Hono answers with, a copy when its headers are immutable. */
function setOnResponse(c: Context, name: string, value: string): void {
  if (c.res.headers.get(name) === value) return;
  try {
    c.res.headers.set(name, value);
  } catch {
    // Immutable headers (a response passed through from fetch): copy it, then set.
    try {
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(name, value);
    } catch (err) {
      reportInternalError(err, `@obs/core: setting the ${name} response header`);
    }
  }
}

/**
 * How a Hono request ended: an error Hono did not answer is a 500 with no response. The route and
 * the body size are read when an instrument asks (the request id's echo needs neither).
 */
class HonoOutcome implements RequestOutcome {
  readonly status: number;
  readonly error: unknown;
  private readonly answered: boolean;
  private matched: string | undefined | null = null;

  constructor(
    private readonly c: Context,
    readonly threw: boolean,
    thrown: unknown,
    readonly seconds: number,
  ) {
    this.answered = !threw && c.finalized;
    this.status = this.answered ? c.res.status : 500;
    this.error = c.error ?? thrown;
  }

  get route(): string | undefined {
    if (this.matched === null) this.matched = routeTemplate(this.c);
    return this.matched;
  }

  responseSize(): number | undefined {
    return this.answered ? responseBodySize(this.c.res) : undefined;
  }
}

export function honoOutcome(
  request: InstrumentedRequest<Context>,
  threw: boolean,
  thrown: unknown,
  seconds: number,
): RequestOutcome {
  return new HonoOutcome(request.native, threw, thrown, seconds);
}

/** @throws ObsConfigError naming `option` unless every element is a request instrument. */
export function checkInstruments(
  option: string,
  instruments: unknown,
): readonly RequestInstrument<Context>[] {
  if (
    !Array.isArray(instruments) ||
    !instruments.every(
      (i: Partial<RequestInstrument> | null) =>
        typeof i?.name === 'string' && typeof i.start === 'function' && typeof i.end === 'function',
    )
  )
    throw new ObsConfigError(option, 'expected request instruments ({ name, start, end })');
  return instruments as readonly RequestInstrument<Context>[];
}

/**
 * Runs request instruments in one middleware and one AsyncLocalStorage frame, inside the @obs
 * context an `obsContext()` before it opened: how each @obs package's own Hono middleware runs
 * its instrument alone. To run every instrument in the frame `obsContext()` opens, pass them to it
 * instead: `obsContext(options, instruments)`.
 *
 * @example
 * ```ts
 * app.use(obsContext());
 * app.use(requestMiddleware([myInstrument]));
 * ```
 */
export function requestMiddleware(
  instruments: readonly RequestInstrument<Context>[],
): MiddlewareHandler {
  const list = checkInstruments('instruments', instruments);
  return function instrumentsMiddleware(c, next) {
    return runRequest(new HonoRequest(c), undefined, list, nextWithErrors(c, next), honoOutcome);
  };
}
