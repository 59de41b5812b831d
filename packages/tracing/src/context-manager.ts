// The ContextManager `initTracing` registers: OpenTelemetry's AsyncLocalStorage manager, over
// @obs/core's store instead of a store of its own. A request's span and its @obs context (request
// id, user) then live in one AsyncLocalStorage frame: one frame per `context.with`, not one per
// signal, and `getContext()`, `getTraceIds()` and `context.active()` cannot disagree.
// Binding functions and EventEmitters is the library's own code, which calls `with()`.
import { ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { otelContextStore } from '@obs/core';

interface Token {
  dispose(): void;
}

export class ObsContextManager extends AsyncLocalStorageContextManager {
  private enabled = false;

  override active(): Context {
    return otelContextStore.active() ?? ROOT_CONTEXT;
  }

  override with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const cb = thisArg == null ? fn : (fn.bind(thisArg) as F);
    return otelContextStore.run(context, cb, ...args);
  }

  override attach(context: Context): Token {
    const previous = otelContextStore.enterWith(context);
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        // The frame exactly as it was: none at all stays none (no request's identity left in).
        otelContextStore.restore(previous);
      },
    };
  }

  override enable(): this {
    if (!this.enabled) otelContextStore.managed(true);
    this.enabled = true;
    return this;
  }

  /** Stops answering for the store; the store itself is @obs/core's and stays. */
  override disable(): this {
    if (this.enabled) otelContextStore.managed(false);
    this.enabled = false;
    return this;
  }
}
