import {
  createContextKey,
  TraceFlags,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type Attributes,
} from '@opentelemetry/api';
import {
  RandomIdGenerator,
  SamplingDecision,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';

/** Set on a root span's parent context when the middleware has already sampled it in. */
const SAMPLED_IN = createContextKey('@obs/tracing root sampled in');

/** Marks `parent` so the provider's sampler records the root span started under it. */
export function sampledIn(parent: Context): Context {
  return parent.setValue(SAMPLED_IN, true);
}

/**
 * The provider's sampler: honours a root decision the middleware already made (see
 * {@link sampledIn}); everything else goes to the configured sampler.
 */
export class DecidedRootSampler implements Sampler {
  constructor(private readonly configured: Sampler) {}

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    if (context.getValue(SAMPLED_IN) === true)
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    return this.configured.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return this.configured.toString();
  }
}

const ids = new RandomIdGenerator();

/**
 * The span of a sampled-out request: records nothing, and makes its ids only when someone asks
 * (a log line, a child span, an outgoing call), so a request nobody looks at costs no id
 * generation. Children inherit its unsampled flags.
 */
export class LazyUnsampledSpan implements Span {
  private context: SpanContext | undefined;

  spanContext(): SpanContext {
    return (this.context ??= {
      traceId: ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
    });
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  isRecording(): boolean {
    return false;
  }
  recordException(): void {}
}
