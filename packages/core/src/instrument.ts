import type { Context as OtelContext } from '@opentelemetry/api';
import type { ObsContext } from './context';

/**
 * A request as every request instrument sees it, whatever the framework: read once by the
 * framework's adapter (`obsContext()` for Hono), lazily where a read costs something.
 *
 * @typeParam N - the framework's own handle (Hono's `Context`), for options that read it.
 */
export interface InstrumentedRequest<N = unknown> {
  /** The framework's own handle (Hono's `Context`). */
  readonly native: N;
  /** The method as the client sent it (`GET`). */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The full URL as the server saw it. */
  readonly url: string;
  /** The socket's peer address. */
  readonly remoteAddress: string | undefined;
  /** A request header by its lower-case name; repeated headers joined by `,`. */
  header(name: string): string | undefined;
  /** Every request header, by lower-case name. */
  headers(): Record<string, string>;
  /** Sets a header on the response that leaves, whichever response that is. */
  setResponseHeader(name: string, value: string): void;
}

/** How a request ended, read once for every instrument after the handler. */
export interface RequestOutcome {
  /** The status the client got: 500 when the error went past the framework unanswered. */
  readonly status: number;
  /** The matched route template (`/items/:id`), undefined when no route matched. */
  readonly route: string | undefined;
  /** The error the request raised, answered by the framework or not. */
  readonly error: unknown;
  /** Whether the error went past the framework unanswered (no response was built). */
  readonly threw: boolean;
  /** Seconds from the request's start to this outcome, on the monotonic clock. */
  readonly seconds: number;
  /** The response body's size in bytes, when it is known without reading the body. */
  responseSize(): number | undefined;
}

/** What an instrument's `start` may read and set, shared by every instrument of the request. */
export interface RequestStart {
  /** The request's @obs context (undefined when no `obsContext()` opened one). */
  readonly context: ObsContext | undefined;
  /**
   * The OpenTelemetry context the request runs in. An instrument may replace it (a tracing
   * instrument sets its span active); instruments after it see the replacement.
   */
  otel: OtelContext;
}

/**
 * One signal's work on each request, framework-neutral: `start` runs before the handler, `end`
 * after it, both synchronously, with everything the request's frame holds. A framework adapter runs
 * any number of instruments in one middleware and one AsyncLocalStorage frame: `obsContext(options,
 * instruments)` from `@obs/core/hono`. Each @obs package that measures requests offers one (its
 * Hono middleware is that instrument run alone).
 *
 * @typeParam N - the framework's handle the instrument's options read.
 * @typeParam S - what `start` hands to `end`.
 */
export interface RequestInstrument<N = unknown, S = unknown> {
  /** The instrument's name, for internal error reports. */
  readonly name: string;
  /**
   * Runs before the handler, before the request's frame is entered: read the request's @obs
   * context from `start.context`, not `getContext()`. Returns what `end` needs, or `undefined` when
   * there is nothing to do at the end (a skipped path). A throw is reported and the request goes on
   * without this instrument.
   */
  start(request: InstrumentedRequest<N>, start: RequestStart): S | undefined;
  /**
   * Runs inside the request's frame (its context and active span), just before the handler, for
   * what must see them (a `request started` log line). Only when `start` returned a state.
   */
  enter?(state: S, request: InstrumentedRequest<N>): void;
  /**
   * Runs after the handler, inside the request's frame (its context and active span), in the
   * reverse order of `start`. A throw is reported, never passed to the request.
   */
  end(state: S, request: InstrumentedRequest<N>, outcome: RequestOutcome): void;
}
