import type { Context, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * The wall time at the origin of the performance timeline (process start), as [seconds, nanos]:
 * taken once, split with integer arithmetic so that a start near a second boundary is not off by
 * one second.
 */
function originOf(timeOrigin: number): HrTime {
  let seconds = Math.floor(timeOrigin / 1000);
  let nanos = Math.round((timeOrigin - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  } else if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return [seconds, nanos];
}

/** `origin` + `ms` milliseconds on the monotonic clock, in [seconds, nanos]. */
function after(origin: HrTime, ms: number): HrTime {
  const whole = Math.floor(ms / 1000);
  let seconds = origin[0] + whole;
  let nanos = origin[1] + Math.round((ms - whole * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/** What the SDK's span (SDK 2 and 3) keeps of its start; checked, since it is not public API. */
interface SdkSpanClock {
  startTime: HrTime;
  _startTimeProvided?: unknown;
  _performanceStartTime?: unknown;
  /** Added to a time given as a `performance.now()` reading: `Date.now()`'s error, by default. */
  _performanceOffset?: unknown;
}

/**
 * Gives every span the provider starts one clock: the wall time at process start plus the
 * monotonic time since (`performance.timeOrigin + performance.now()`), at nanosecond resolution.
 *
 * The OpenTelemetry JS SDK takes a span's start from `Date.now()` (whole milliseconds), then
 * measures its end and events from there on the monotonic clock (open-telemetry/opentelemetry-js
 * #5019): a child started in the next millisecond can start after its parent's real start and end
 * after its parent's end. Run first among the provider's processors, this sets the start from the
 * same monotonic reading the SDK measures the span's end and events from, so they all follow one
 * clock and children nest inside their parents; a `performance.now()` reading given as an end or
 * event time is placed on it too. A start the caller gave (`startTime`) is kept.
 */
export class AnchoredClockProcessor implements SpanProcessor {
  private readonly origin = originOf(performance.timeOrigin);

  onStart(span: Span, _context: Context): void {
    const sdk = span as unknown as SdkSpanClock;
    const at = sdk._performanceStartTime;
    if (sdk._startTimeProvided !== false || typeof at !== 'number') return;
    sdk.startTime = after(this.origin, at);
    // A `performance.now()` reading given to `end()` or `addEvent()` lands on the same clock.
    if (typeof sdk._performanceOffset === 'number') sdk._performanceOffset = 0;
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
