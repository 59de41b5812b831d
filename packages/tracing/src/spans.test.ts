import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { getTraceIds } from '@obs/core';
import { initTracing, type Tracing } from './init';
import {
  addEvent,
  currentSpan,
  extractContext,
  injectHeaders,
  setAttributes,
  traced,
  Traced,
  withSpan,
} from './spans';

let tracing: Tracing;
beforeAll(() => {
  tracing = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
});
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.memory!.reset());
const finished = () => tracing.memory!.getFinishedSpans();
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('withSpan', () => {
  it('nests spans across await: each child names its parent, all share one trace', async () => {
    const result = await withSpan('outer', async () => {
      await tick();
      return withSpan('inner', async () => {
        await tick();
        return withSpan('sync', () => 42);
      });
    });
    expect(result).toBe(42);
    const [sync, inner, outer] = finished();
    expect([sync!.name, inner!.name, outer!.name]).toEqual(['sync', 'inner', 'outer']);
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(sync!.parentSpanContext?.spanId).toBe(inner!.spanContext().spanId);
    expect(new Set(finished().map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(outer!.kind).toBe(SpanKind.INTERNAL);
  });

  it('is the active span inside, so core sees its ids (and so every log line)', () => {
    withSpan('work', (span) => {
      expect(getTraceIds()).toMatchObject({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      });
    });
  });

  it('records a thrown error and a rejection, sets status ERROR, rethrows and ends the span', async () => {
    expect(() =>
      withSpan('sync-fail', () => {
        throw new TypeError('bad input');
      }),
    ).toThrow('bad input');
    await expect(
      withSpan('async-fail', () => Promise.reject(new RangeError('late'))),
    ).rejects.toThrow('late');
    const [syncFail, asyncFail] = finished();
    expect(syncFail!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(syncFail!.attributes['error.type']).toBe('TypeError');
    expect(syncFail!.events[0]).toMatchObject({
      name: 'exception',
      attributes: { 'exception.type': 'TypeError', 'exception.message': 'bad input' },
    });
    expect(asyncFail!.status.code).toBe(SpanStatusCode.ERROR);
    expect(asyncFail!.ended).toBe(true);
  });

  it('runs a lazy thenable (a query builder) inside its span', async () => {
    let activeInside: string | undefined;
    const query = {
      then(resolve: (v: number) => void) {
        activeInside = currentSpan()?.spanContext().spanId;
        resolve(7);
      },
    };
    const result = await withSpan('db', () => query as unknown as Promise<number>);
    expect(result).toBe(7);
    expect(activeInside).toBe(finished()[0]!.spanContext().spanId);
  });

  it('takes attributes and a kind', () => {
    withSpan('publish', () => undefined, {
      kind: SpanKind.PRODUCER,
      attributes: { 'queue.name': 'q' },
    });
    expect(finished()[0]).toMatchObject({
      kind: SpanKind.PRODUCER,
      attributes: { 'queue.name': 'q' },
    });
  });
});

describe('traced and @Traced', () => {
  it('traced() wraps a function, keeping this and arguments', async () => {
    const add = traced('math.add', (a: number, b: number) => Promise.resolve(a + b));
    expect(await add(2, 3)).toBe(5);
    expect(finished().map((s) => s.name)).toEqual(['math.add']);
  });

  it('@Traced names the span Class.method, records exceptions, and keeps this', async () => {
    class AnalyticsService {
      factor = 2;
      @Traced()
      async calculate(n: number) {
        await tick();
        return n * this.factor;
      }
      @Traced('analytics.fail')
      fail(): never {
        throw new Error('no data');
      }
      @Traced()
      static create() {
        return new AnalyticsService();
      }
    }
    const service = AnalyticsService.create();
    expect(await service.calculate(21)).toBe(42);
    expect(() => service.fail()).toThrow('no data');
    const [create, calculate, fail] = finished();
    expect(create!.name).toBe('AnalyticsService.create');
    expect(calculate!.name).toBe('AnalyticsService.calculate');
    expect(fail!.name).toBe('analytics.fail');
    expect(fail!.status.code).toBe(SpanStatusCode.ERROR);
    expect(fail!.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('the active span', () => {
  it('currentSpan, setAttributes and addEvent act on the active span, and do nothing outside one', () => {
    expect(currentSpan()).toBeUndefined();
    setAttributes({ ignored: true });
    addEvent('ignored');
    withSpan('checkout', (span) => {
      expect(currentSpan()).toBe(span);
      setAttributes({ 'cart.items': 3 });
      addEvent('credits.consumed', { credits: 10 });
    });
    const [span] = finished();
    expect(span!.attributes).toEqual({ 'cart.items': 3 });
    expect(span!.events).toMatchObject([{ name: 'credits.consumed', attributes: { credits: 10 } }]);
  });
});

describe('propagation', () => {
  it('injects traceparent and extracts it back into a context with the same trace', () => {
    const headers = withSpan('call', (span) => {
      const out = injectHeaders();
      expect(out.traceparent).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      );
      return out;
    });
    const remote = trace.getSpanContext(extractContext(headers));
    expect(remote).toMatchObject({ traceId: finished()[0]!.spanContext().traceId, isRemote: true });
  });

  it('injects into a Headers object, and reads header names in any case', () => {
    const headers = withSpan('call', () => injectHeaders(new Headers()));
    expect(headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const ctx = extractContext({ TraceParent: headers.get('traceparent')! });
    expect(trace.getSpanContext(ctx)?.traceId).toBe(finished()[0]!.spanContext().traceId);
  });

  it('gives a context without a parent for a malformed traceparent', () => {
    const ctx = extractContext({ traceparent: '00-not-a-trace-01' }, context.active());
    expect(trace.getSpanContext(ctx)).toBeUndefined();
  });
});
