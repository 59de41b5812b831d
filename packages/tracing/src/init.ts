import { hostname } from 'node:os';
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import {
  CompositePropagator,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { reportInternalError, type ServiceInfo } from '@obs/core';
import { ObsContextManager } from './context-manager';
import { DecidedRootSampler } from './root-sampling';
import { registeredProvider, SCOPE } from './spans';
import {
  resolveOptions,
  type ResolvedTracingOptions,
  type SamplerChoice,
  type TracingOptions,
} from './options';
import {
  RedactingSpanProcessor,
  RingProcessor,
  SpanRing,
  statsMeterProvider,
  type TracingStats,
} from './processors';
import { AnchoredClockProcessor } from './span-clock';

export interface Tracing {
  /** A tracer of the registered provider (a no-op one when tracing is off). */
  readonly tracer: Tracer;
  /** Our provider; undefined when tracing is off. */
  readonly provider: TracerProvider | undefined;
  /** The service identity on the resource. */
  readonly service: ServiceInfo;
  /**
   * Recent finished spans: the 'memory' exporter's ring, or the one `recentSpans` keeps beside
   * another exporter; undefined otherwise.
   */
  readonly memory: SpanRing | undefined;
  /** Exported, dropped and failed span counts (read it from a metrics gauge). */
  stats(): TracingStats;
  /** Exports every finished span now; resolves when done or after `timeoutMs`. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /**
   * Flushes, stops exporting and unregisters the globals `initTracing` registered (not those another
   * library registered first), so `initTracing` may run again.
   */
  shutdown(): Promise<void>;
}

const STATE = Symbol.for('@obs/tracing.state');
const holder = globalThis as unknown as { [STATE]?: Tracing };
/** What the middleware needs to decide root spans itself, per set-up tracing. */
const roots = new WeakMap<Tracing, { provider: TracerProvider; ratio: number | undefined }>();

/**
 * The share of new (root) traces our sampler records. A root decision on a random trace id is a
 * coin toss with that probability, so the middleware can toss it before any id exists.
 */
function rootRatio(choice: SamplerChoice): number | undefined {
  // Without parent-based sampling, children decide by trace id on their own: the middleware's
  // coin toss would split traces. Only a parent-based sampler lets the root decide for all.
  if (!choice.parentBased) return undefined;
  if (choice.kind === 'ratio') return choice.ratio;
  return choice.kind === 'always_on' ? 1 : 0;
}

/**
 * Our provider's root sampling (its ratio undefined when the middleware may not decide roots),
 * when our provider is the one registered; with another provider (Sentry's), undefined: the
 * middleware then goes through the global API only.
 */
export function ourRootSampling(): { ratio: number | undefined } | undefined {
  const current = holder[STATE];
  const root = current && roots.get(current);
  return root && registeredProvider() === root.provider ? root : undefined;
}

function sampler(choice: SamplerChoice): Sampler {
  const root =
    choice.kind === 'ratio'
      ? new TraceIdRatioBasedSampler(choice.ratio)
      : choice.kind === 'always_on'
        ? new AlwaysOnSampler()
        : new AlwaysOffSampler();
  return choice.parentBased ? new ParentBasedSampler({ root }) : root;
}

function exporter(
  o: ResolvedTracingOptions,
  memory: SpanRing | undefined,
): SpanExporter | undefined {
  switch (o.exporter) {
    case 'none':
      return undefined;
    case 'memory':
      return memory;
    case 'console':
      return new ConsoleSpanExporter();
    case 'otlp': {
      const config = { url: o.url, headers: o.headers, timeoutMillis: o.exportTimeoutMs };
      return o.protocol === 'http/json'
        ? new OtlpJsonExporter(config)
        : new OtlpProtoExporter(config);
    }
  }
}

/** Resolves by the deadline whatever `work` does; export problems are counted, not thrown. */
async function bounded(work: Promise<void>, timeoutMs: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([
      work.catch((err: unknown) => reportInternalError(err, `@obs/tracing: ${what}`)),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The globals `register` set: shutdown unregisters these and nothing else. */
interface Registered {
  tracerProvider: boolean;
  contextManager: boolean;
  propagator: boolean;
}

/**
 * Makes `provider` the global one, with async context (in @obs/core's store) and W3C
 * trace-context and baggage propagation (SDK 3's provider has no `register()` of its own). Each
 * global already taken (by an APM agent, Sentry, the application) is left as it is, and left out
 * of what is returned; `initTracing`'s check afterwards reports the one that matters, the tracer
 * provider.
 */
function register(provider: TracerProvider): Registered {
  const tracerProvider = trace.setGlobalTracerProvider(provider);
  // Over @obs/core's store: a span and the request's @obs context share one frame.
  const manager = new ObsContextManager().enable();
  const contextManager = context.setGlobalContextManager(manager);
  if (!contextManager) manager.disable();
  const propagator = propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  return { tracerProvider, contextManager, propagator };
}

function disabled(service: ServiceInfo): Tracing {
  const stats: TracingStats = { spansExported: 0, spansDropped: 0, spansFailed: 0 };
  return {
    tracer: trace.getTracer(SCOPE),
    provider: undefined,
    service,
    memory: undefined,
    stats: () => ({ ...stats }),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * Sets up OpenTelemetry tracing for the process in one call: resource from core's service info,
 * parent-based ratio sampling, a batch processor with a bounded queue, OTLP over HTTP (protobuf,
 * or JSON) or console/memory/none, W3C trace context and baggage propagation, async context, and
 * span attributes redacted by core's policy before any export. Calling it again while it is set
 * up returns the same object; export failures are counted in `stats()` and reported through core's
 * internal-error handler, never thrown.
 *
 * @example
 * ```ts
 * const tracing = initTracing({ service: { name: 'analytics' }, sampleRatio: 0.1 });
 * // … on SIGTERM
 * await tracing.shutdown();
 * ```
 */
export function initTracing(options: TracingOptions = {}): Tracing {
  const o = resolveOptions(options);
  const existing = holder[STATE];
  if (existing) return existing;
  if (!o.enabled) return disabled(o.service);

  const stats: TracingStats = { spansExported: 0, spansDropped: 0, spansFailed: 0 };
  const memory =
    o.exporter === 'memory'
      ? new SpanRing(o.memorySpans)
      : o.recentSpans > 0
        ? new SpanRing(o.recentSpans)
        : undefined;
  const out = exporter(o, memory);
  const selfObsMeterProvider = statsMeterProvider(stats);
  const processors: SpanProcessor[] = [
    new AnchoredClockProcessor(),
    new RedactingSpanProcessor(o.redactPaths),
  ];
  if (out) {
    processors.push(
      o.processor === 'simple'
        ? new SimpleSpanProcessor({ exporter: out, selfObsMeterProvider })
        : new BatchSpanProcessor({
            exporter: out,
            selfObsMeterProvider,
            maxQueueSize: o.maxQueueSize,
            maxExportBatchSize: o.maxExportBatchSize,
            scheduledDelayMillis: o.scheduledDelayMillis,
            exportTimeoutMillis: o.exportTimeoutMs + 1000,
          }),
    );
  }
  if (memory && o.exporter !== 'memory') processors.push(new RingProcessor(memory));
  processors.push(...(o.spanProcessors as SpanProcessor[]));

  const { service } = o;
  const provider = new TracerProvider({
    // The SDK's own attributes (telemetry.sdk.*) and ours.
    resource: defaultResource().merge(
      resourceFromAttributes({
        'service.name': service.name,
        'service.version': service.version,
        'service.instance.id': service.instanceId,
        'deployment.environment.name': service.environment,
        'host.name': hostname(),
        'process.pid': process.pid,
        'process.runtime.name': 'nodejs',
        'process.runtime.version': process.versions.node,
      }),
    ),
    sampler: new DecidedRootSampler(sampler(o.sampler)),
    spanProcessors: processors,
  });
  // Export errors come here from the SDK: one line per cause per minute, never thrown.
  setGlobalErrorHandler((err) => reportInternalError(err, '@obs/tracing: export'));
  let registered: Registered | undefined = register(provider);

  // Two copies of @opentelemetry/api, or a provider registered before ours (Sentry's), leave our
  // provider unused and every span a no-op: say so instead of exporting nothing in silence.
  if (registeredProvider() !== provider) {
    reportInternalError(
      new Error(
        'another OpenTelemetry tracer provider is registered (or two copies of @opentelemetry/api are installed): spans from the global API will not reach this exporter',
      ),
      '@obs/tracing: initTracing',
    );
  }

  const tracing: Tracing = {
    tracer: provider.getTracer(SCOPE),
    provider,
    service,
    memory,
    stats: () => ({ ...stats }),
    forceFlush: (timeoutMs = o.exportTimeoutMs) =>
      bounded(provider.forceFlush(), timeoutMs, 'forceFlush'),
    async shutdown() {
      if (holder[STATE] === tracing) holder[STATE] = undefined;
      // Unregister first, synchronously, and once: an initTracing() while this shutdown is still
      // flushing registers its own globals, and nothing here may undo that afterwards.
      if (registered) {
        if (registered.tracerProvider && registeredProvider() === provider) trace.disable();
        if (registered.contextManager) context.disable();
        if (registered.propagator) propagation.disable();
        registered = undefined;
      }
      await bounded(provider.shutdown(), o.exportTimeoutMs, 'shutdown');
    },
  };
  holder[STATE] = tracing;
  roots.set(tracing, { provider, ratio: rootRatio(o.sampler) });
  return tracing;
}
