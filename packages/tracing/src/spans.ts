import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/** The provider registered with the global API (the API's proxy hands out its delegate's tracers). */
export function registeredProvider(): TracerProvider {
  const global = trace.getTracerProvider() as TracerProvider & {
    getDelegate?: () => TracerProvider;
  };
  return global.getDelegate?.() ?? global;
}

/** The name our tracers report as their instrumentation scope. */
export const SCOPE = '@obs/tracing';

let lastProvider: TracerProvider | undefined;
let lastTracer: Tracer | undefined;

/**
 * The tracer of whichever provider is registered globally (ours, or one set up by Sentry or an APM
 * agent), looked up again only when the registration changes.
 */
export function activeTracer(): Tracer {
  const provider = registeredProvider();
  if (provider !== lastProvider || !lastTracer) {
    lastProvider = provider;
    lastTracer = provider.getTracer(SCOPE);
  }
  return lastTracer;
}

export interface SpanOptions {
  attributes?: Attributes;
  /** @default SpanKind.INTERNAL */
  kind?: SpanKind;
}

/** Marks the span failed with the error recorded on it as an `exception` event. */
/** `String(value)`, for values whose toString may throw (null-prototype objects, hostile code). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function recordError(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
    span.setAttribute('error.type', err.name === 'Error' ? err.constructor.name : err.name);
  } else {
    span.recordException(describe(err));
    span.setAttribute('error.type', typeof err);
  }
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: err instanceof Error ? err.message : describe(err),
  });
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Runs `fn` inside a new span (a child of the active one), sync or async: the span is active for
 * everything `fn` does, records a thrown error or rejection (status ERROR, `exception` event) and
 * always ends. Seed 000's `trace_operation`.
 *
 * @example
 * ```ts
 * const rows = await withSpan('analytics.query', async (span) => {
 *   span.setAttribute('workspace.id', id);
 *   return db.query(sql);
 * });
 * ```
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options: SpanOptions = {}): T {
  const span = activeTracer().startSpan(name, {
    kind: options.kind ?? SpanKind.INTERNAL,
    attributes: options.attributes,
  });
  const ctx = trace.setSpan(context.active(), span);
  let result: T;
  try {
    result = context.with(ctx, fn, undefined, span);
  } catch (err) {
    recordError(span, err);
    span.end();
    throw err;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  // A thenable (a query builder) runs when its then() is called: call it inside the span.
  return context
    .with(ctx, () => Promise.resolve(result))
    .then(
      (value) => {
        span.end();
        return value;
      },
      (err: unknown) => {
        recordError(span, err);
        span.end();
        throw err;
      },
    ) as T;
}

/**
 * `fn` wrapped so that every call runs in a span named `name` (seed 003's `@trace`, for plain
 * functions). `this` and the arguments pass through.
 */
export function traced<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R,
  options?: SpanOptions,
): (...args: A) => R {
  return function tracedFunction(this: unknown, ...args: A): R {
    return withSpan(name, () => fn.apply(this, args), options);
  };
}

/**
 * A standard (TC39, TypeScript 5) method decorator: each call runs in a span named `name`, by
 * default `ClassName.method`.
 *
 * @example
 * ```ts
 * class AnalyticsService {
 *   @Traced()
 *   async calculate(workspaceId: string) { … }
 * }
 * ```
 */
export function Traced(name?: string, options?: SpanOptions) {
  return function decorate<This, A extends unknown[], R>(
    method: (this: This, ...args: A) => R,
    decorator: ClassMethodDecoratorContext<This, (this: This, ...args: A) => R>,
  ): (this: This, ...args: A) => R {
    const methodName = String(decorator.name);
    return function tracedMethod(this: This, ...args: A): R {
      const owner = decorator.static
        ? (this as { name?: string }).name
        : (this as { constructor?: { name?: string } } | undefined)?.constructor?.name;
      return withSpan(
        name ?? `${owner ?? 'anonymous'}.${methodName}`,
        () => method.apply(this, args),
        options,
      );
    };
  };
}

/** The active span, or undefined outside any (a non-recording span counts as none). */
export function currentSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** Sets attributes on the active span; a no-op outside one. */
export function setAttributes(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/** Adds an event to the active span (seed 001's `record_custom_event`); a no-op outside one. */
export function addEvent(name: string, attributes?: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

type HeaderBag = Headers | Record<string, string>;

/**
 * Writes the active context (`traceparent`, `tracestate`, `baggage`) into `headers` for an
 * outgoing call and returns them (seed 003's `inject_context_into_headers`).
 */
export function injectHeaders<H extends HeaderBag = Record<string, string>>(
  headers?: H,
  ctx: Context = context.active(),
): H {
  const carrier = headers ?? ({} as H);
  propagation.inject(ctx, carrier, {
    set(target, key, value) {
      if (target instanceof Headers) target.set(key, value);
      else target[key] = value;
    },
  });
  return carrier;
}

/**
 * The context an incoming call carried (seed 003's `extract_context_from_headers`): run work
 * inside it with `context.with(extractContext(headers), fn)`. Malformed headers give a context
 * without a parent, never an error.
 */
export function extractContext(
  headers: Headers | Record<string, string | string[] | undefined>,
  base: Context = context.active(),
): Context {
  return propagation.extract(base, headers, {
    get(carrier, key) {
      if (carrier instanceof Headers) return carrier.get(key) ?? undefined;
      const record = carrier;
      return record[key] ?? record[Object.keys(record).find((k) => k.toLowerCase() === key) ?? ''];
    },
    keys(carrier) {
      return carrier instanceof Headers ? [...carrier.keys()] : Object.keys(carrier);
    },
  });
}
