// The Traces page's views over the recent-spans ring: one summary per trace, newest first, and
// one trace's spans by start time.
import type { TraceSummary } from './api';
import type { SpanRecord } from './sources';

function requestIdOf(span: SpanRecord): string | undefined {
  const header: unknown = span.attributes['http.request.header.x-request-id'];
  const value: unknown = Array.isArray(header) ? (header as unknown[])[0] : header;
  if (typeof value === 'string' && value !== '') return value;
  const own = span.attributes.request_id;
  return typeof own === 'string' && own !== '' ? own : undefined;
}

/** Spans grouped by trace id, in ring order. */
export function groupTraces(spans: readonly SpanRecord[]): Map<string, SpanRecord[]> {
  const traces = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = traces.get(span.trace_id);
    if (list) list.push(span);
    else traces.set(span.trace_id, [span]);
  }
  return traces;
}

/**
 * A trace's summary: its root is the span whose parent is not held (none, or a remote parent),
 * the earliest such span when there are several.
 */
export function summarize(traceId: string, spans: readonly SpanRecord[]): TraceSummary {
  const held = new Set(spans.map((s) => s.span_id));
  let root: SpanRecord | undefined;
  let start = Infinity;
  let end = -Infinity;
  let error = false;
  for (const span of spans) {
    start = Math.min(start, span.start_ms);
    end = Math.max(end, span.start_ms + span.duration_ms);
    if (span.status === 'error') error = true;
    const isRoot = span.parent_span_id === undefined || !held.has(span.parent_span_id);
    if (isRoot && (!root || span.start_ms < root.start_ms)) root = span;
  }
  root ??= spans[0]!;
  const requestId = requestIdOf(root);
  return {
    trace_id: traceId,
    name: root.name,
    start_ms: start,
    duration_ms: end - start,
    spans: spans.length,
    error,
    ...(requestId === undefined ? {} : { request_id: requestId }),
  };
}

/** The recent traces, newest (latest start) first. */
export function traceSummaries(spans: readonly SpanRecord[], limit: number): TraceSummary[] {
  const summaries: TraceSummary[] = [];
  for (const [id, list] of groupTraces(spans)) summaries.push(summarize(id, list));
  summaries.sort((a, b) => b.start_ms - a.start_ms);
  return summaries.slice(0, limit);
}

/** One trace's spans by start time; undefined when none is held. */
export function traceSpans(
  spans: readonly SpanRecord[],
  traceId: string,
): SpanRecord[] | undefined {
  const list = spans.filter((s) => s.trace_id === traceId);
  if (list.length === 0) return undefined;
  return list.sort((a, b) => a.start_ms - b.start_ms);
}
