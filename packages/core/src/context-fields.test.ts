import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { EventEmitter } from 'node:events';
import { bindContext, runWithContext } from './context';
import { contextFields, getTraceIds } from './context-fields';

const manager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(manager.enable());
});

afterAll(() => {
  context.disable();
});

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function withSpan<R>(fn: () => R): R {
  const span = trace.wrapSpanContext({
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: TraceFlags.SAMPLED,
  });
  return context.with(trace.setSpan(context.active(), span), fn);
}

describe('getTraceIds', () => {
  it('is undefined when no span is active', () => {
    expect(getTraceIds()).toBeUndefined();
  });

  it('is undefined for an invalid span context', () => {
    const span = trace.wrapSpanContext({
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: 0,
    });
    context.with(trace.setSpan(context.active(), span), () => {
      expect(getTraceIds()).toBeUndefined();
    });
  });

  it('reads the active span ids', () => {
    withSpan(() => {
      expect(getTraceIds()).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
    });
  });

  it('reads spans started by a real tracing SDK', () => {
    const tracer = new TracerProvider().getTracer('test');
    tracer.startActiveSpan('work', (span) => {
      expect(getTraceIds()).toEqual({
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        traceFlags: 1,
      });
      span.end();
    });
  });
});

describe('contextFields', () => {
  it('is empty outside any context and span', () => {
    expect(contextFields()).toEqual({});
  });

  it('omits absent keys and uses snake_case names', () => {
    runWithContext(
      { requestId: 'r1', userId: 'u1', clientIp: '1.2.3.4', userAgent: 'curl' },
      () => {
        expect(contextFields()).toEqual({ request_id: 'r1', user_id: 'u1' });
      },
    );
  });

  it('combines the context with the active span', () => {
    runWithContext(
      {
        requestId: 'r1',
        correlationId: 'c1',
        userId: 'u1',
        workspaceId: 'w1',
        sessionId: 's1',
      },
      () =>
        withSpan(() => {
          expect(contextFields()).toEqual({
            request_id: 'r1',
            correlation_id: 'c1',
            trace_id: TRACE_ID,
            span_id: SPAN_ID,
            user_id: 'u1',
            workspace_id: 'w1',
            session_id: 's1',
          });
        }),
    );
  });

  it('follows a bound EventEmitter listener, trace ids included', () => {
    const emitter = new EventEmitter();
    let seen: unknown;
    runWithContext({ requestId: 'r2' }, () =>
      withSpan(() => {
        emitter.on(
          'x',
          bindContext(() => (seen = contextFields())),
        );
      }),
    );
    emitter.emit('x');
    expect(seen).toEqual({ request_id: 'r2', trace_id: TRACE_ID, span_id: SPAN_ID });
  });
});
