import { useState } from 'preact/hooks';
import type { TraceResponse, TracesResponse } from '../src/api';
import type { SpanRecord } from '../src/sources';
import { usePoll, useReady } from './app-context';
import { ago, clock, millis } from './format';
import { Empty, ErrorLine, Loading } from './parts';

export function Traces() {
  const { data, error } = usePoll<TracesResponse>('traces?limit=100');
  useReady('traces', data !== undefined);
  return (
    <div data-testid="page-traces">
      <ErrorLine error={error} />
      {!data ? (
        <Loading />
      ) : (
        <section class="card">
          <h3>Recent traces</h3>
          {data.traces.length === 0 ? (
            <Empty />
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Start</th>
                  <th class="num">Duration</th>
                  <th class="num">Spans</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {data.traces.map((t) => (
                  <tr
                    key={t.trace_id}
                    class="clickable"
                    data-testid="trace-row"
                    onClick={() => (location.hash = `#/traces/${encodeURIComponent(t.trace_id)}`)}
                  >
                    <td>
                      <a href={`#/traces/${encodeURIComponent(t.trace_id)}`}>{t.name}</a>
                    </td>
                    <td class="nowrap" title={new Date(t.start_ms).toISOString()}>
                      {clock(t.start_ms)} <span class="muted">({ago(t.start_ms)})</span>
                    </td>
                    <td class="num">{millis(t.duration_ms)}</td>
                    <td class="num">{t.spans}</td>
                    <td>{t.error ? <span class="badge status-unhealthy">error</span> : 'ok'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}

interface Row {
  span: SpanRecord;
  depth: number;
}

/** Spans in tree order (each child under its parent, siblings by start), with their depth. */
function tree(spans: readonly SpanRecord[]): Row[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string | undefined, SpanRecord[]>();
  for (const s of [...spans].sort((a, b) => a.start_ms - b.start_ms)) {
    // A parent that is not held (sampled out, still running) makes the span a root here.
    const parent = s.parent_span_id && ids.has(s.parent_span_id) ? s.parent_span_id : undefined;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  const rows: Row[] = [];
  const visit = (parent: string | undefined, depth: number): void => {
    for (const span of children.get(parent) ?? []) {
      rows.push({ span, depth });
      visit(span.span_id, depth + 1);
    }
  };
  visit(undefined, 0);
  return rows;
}

function value(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function Attributes({ attributes }: { attributes: Record<string, unknown> }) {
  const entries = Object.entries(attributes);
  if (entries.length === 0) return <p class="muted">no attributes</p>;
  return (
    <table class="attributes">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th class="mono">{k}</th>
            <td class="mono">{value(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Trace({ traceId }: { traceId: string }) {
  const { data, error } = usePoll<TraceResponse>(`traces/${encodeURIComponent(traceId)}`);
  useReady('trace', data !== undefined);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const logsHref = `#/logs?${new URLSearchParams({ trace_id: traceId }).toString()}`;

  return (
    <div data-testid="page-trace">
      <p>
        <a href="#/traces">← traces</a> · <span class="mono">{traceId}</span> ·{' '}
        <a href={logsHref} data-testid="trace-logs">
          logs of this trace
        </a>
      </p>
      <ErrorLine error={error} />
      {!data ? (
        <Loading />
      ) : (
        <Waterfall spans={data.spans} selected={selected} select={setSelected} />
      )}
    </div>
  );
}

function Waterfall(props: {
  spans: readonly SpanRecord[];
  selected: string | undefined;
  select: (id: string | undefined) => void;
}) {
  const { spans, selected, select } = props;
  if (spans.length === 0) return <Empty />;
  const start = Math.min(...spans.map((s) => s.start_ms));
  const end = Math.max(...spans.map((s) => s.start_ms + s.duration_ms));
  const total = Math.max(end - start, 0.001);
  const rows = tree(spans);
  const chosen = spans.find((s) => s.span_id === selected);
  return (
    <>
      <section class="card">
        <h3>
          {rows[0]!.span.name}{' '}
          <span class="muted">
            · {millis(total)} · {spans.length} spans
          </span>
        </h3>
        <div class="waterfall">
          {rows.map(({ span, depth }) => {
            const left = ((span.start_ms - start) / total) * 100;
            const width = Math.max((span.duration_ms / total) * 100, 0.3);
            return (
              <div
                key={span.span_id}
                class={`span-row${span.span_id === selected ? ' selected' : ''}`}
                data-testid="span-row"
                onClick={() => select(span.span_id === selected ? undefined : span.span_id)}
              >
                <div
                  class="span-name"
                  style={{ paddingLeft: `${depth * 14 + 4}px` }}
                  title={span.name}
                >
                  {span.name}
                </div>
                <div class="span-track">
                  <div
                    class={`span-bar kind-${span.kind}${span.status === 'error' ? ' error' : ''}`}
                    data-testid="span-bar"
                    style={{ left: `${left}%`, width: `${width}%` }}
                  />
                  <span
                    class="span-duration"
                    // Past 85% of the track the label goes inside the bar's end, not off the edge.
                    style={
                      left + width > 85
                        ? { right: '4px', color: '#fff' }
                        : { left: `${left + width}%` }
                    }
                  >
                    {millis(span.duration_ms)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </section>
      {chosen ? (
        <SpanDetails span={chosen} />
      ) : (
        <p class="muted">click a span for its attributes and events</p>
      )}
    </>
  );
}

function SpanDetails({ span }: { span: SpanRecord }) {
  return (
    <section class="card" data-testid="span-details">
      <h3>{span.name}</h3>
      <p class="muted">
        {span.kind} · {millis(span.duration_ms)} · status {span.status}
        {span.status_message ? `: ${span.status_message}` : ''} · span{' '}
        <span class="mono">{span.span_id}</span>
      </p>
      <h4>Attributes</h4>
      <Attributes attributes={span.attributes} />
      <h4>Events</h4>
      {span.events.length === 0 ? (
        <p class="muted">no events</p>
      ) : (
        span.events.map((e, i) => (
          <div key={i} class="event" data-testid="span-event">
            <p>
              <strong>{e.name}</strong>{' '}
              <span class="muted">+{millis(e.time_ms - span.start_ms)}</span>
            </p>
            <Attributes attributes={e.attributes} />
          </div>
        ))
      )}
    </section>
  );
}
