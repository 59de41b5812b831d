import { isSpanContextValid, trace } from '@opentelemetry/api';
import { getContext } from './context';

/** The ids of the active OpenTelemetry span, as lowercase hex. */
export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

/**
 * Reads the active OpenTelemetry span's ids. `undefined` when no span is active or no tracing SDK
 * is registered (the API is a no-op then), so callers can simply omit the fields.
 */
export function getTraceIds(): TraceIds | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags };
}

/**
 * The snake_case fields every signal attaches: the same names in log records, span attributes,
 * exemplars and error tags.
 */
export interface ContextFields {
  request_id?: string;
  correlation_id?: string;
  trace_id?: string;
  span_id?: string;
  user_id?: string;
  workspace_id?: string;
  session_id?: string;
}

/**
 * The current context and trace ids as one flat record, absent keys omitted. Client address and
 * user agent are left out on purpose: they are personal data that belongs on the request's own
 * access record, not repeated on every line.
 *
 * @example
 * ```ts
 * logger.info('done', { ...contextFields(), rows }); // { request_id: '…', trace_id: '…', rows }
 * ```
 */
export function contextFields(): ContextFields {
  const out: ContextFields = {};
  const ctx = getContext();
  if (ctx) {
    if (ctx.requestId !== undefined) out.request_id = ctx.requestId;
    if (ctx.correlationId !== undefined) out.correlation_id = ctx.correlationId;
  }
  const ids = getTraceIds();
  if (ids) {
    out.trace_id = ids.traceId;
    out.span_id = ids.spanId;
  }
  if (ctx) {
    if (ctx.userId !== undefined) out.user_id = ctx.userId;
    if (ctx.workspaceId !== undefined) out.workspace_id = ctx.workspaceId;
    if (ctx.sessionId !== undefined) out.session_id = ctx.sessionId;
  }
  return out;
}
