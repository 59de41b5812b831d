import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogsResponse } from '../src/api';
import { usePoll, useReady, useShell } from './app-context';
import { clock } from './format';
import { Empty, ErrorLine, Loading } from './parts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const FILTERS = ['level', 'q', 'request_id', 'trace_id'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const LIMIT = 200;

function filtersOf(query: URLSearchParams): Filters {
  return {
    level: query.get('level') ?? '',
    q: query.get('q') ?? '',
    request_id: query.get('request_id') ?? '',
    trace_id: query.get('trace_id') ?? '',
  };
}

function search(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of FILTERS) if (filters[key]) params.set(key, filters[key]);
  return params.toString();
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function time(v: unknown): string {
  const s = text(v);
  if (s === undefined) return typeof v === 'number' ? clock(v) : '';
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? s : clock(ms);
}

/** Each record with a key that stays its own across refreshes (the same line twice: #2, #3...). */
function identities(
  records: readonly Record<string, unknown>[],
): [Record<string, unknown>, string][] {
  const seen = new Map<string, number>();
  return records.map((r) => {
    const base = [r.timestamp, r.request_id, r.level, r.message].map((v) => String(v)).join('|');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return [r, n === 1 ? base : `${base}#${n}`];
  });
}

/** The log explorer: `#/logs?level=&q=&request_id=&trace_id=` map to `/api/logs`'s query. */
export function Logs({ query }: { query: URLSearchParams }) {
  const { navigate } = useShell();
  const applied = filtersOf(query);
  const appliedSearch = search(applied);
  const [draft, setDraft] = useState(applied);
  // The filters the form itself last applied: the route coming back with them is no news.
  const fromForm = useRef(appliedSearch);

  // A link (a request id, "logs of this trace") changes the route: the form follows it.
  useEffect(() => {
    if (appliedSearch !== fromForm.current) setDraft(filtersOf(new URLSearchParams(appliedSearch)));
    fromForm.current = appliedSearch;
  }, [appliedSearch]);
  // Typing applies after a pause, without a history entry per key.
  useEffect(() => {
    const next = search(draft);
    if (next === appliedSearch) return;
    const timer = setTimeout(() => {
      fromForm.current = next;
      navigate(`#/logs${next ? `?${next}` : ''}`, true);
    }, 250);
    return () => clearTimeout(timer);
  }, [draft, appliedSearch, navigate]);

  const params = new URLSearchParams(appliedSearch);
  params.set('limit', String(LIMIT));
  const { data, error } = usePoll<LogsResponse>(`logs?${params.toString()}`);
  useReady('logs', data !== undefined);
  // The opened record, by identity: rows move down as new records arrive.
  const [open, setOpen] = useState<string | undefined>(undefined);

  const field = (key: 'q' | 'request_id' | 'trace_id', label: string) => (
    <label>
      {label}
      <input
        type="search"
        name={key}
        data-testid={`filter-${key}`}
        value={draft[key]}
        onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })}
      />
    </label>
  );

  return (
    <div data-testid="page-logs">
      <form class="filters card" onSubmit={(e) => e.preventDefault()}>
        <label>
          Level
          <select
            name="level"
            data-testid="filter-level"
            value={draft.level}
            onChange={(e) => setDraft({ ...draft, level: e.currentTarget.value })}
          >
            <option value="">all</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l} and above
              </option>
            ))}
          </select>
        </label>
        {field('q', 'Text')}
        {field('request_id', 'Request id')}
        {field('trace_id', 'Trace id')}
        {appliedSearch ? (
          <a class="clear" href="#/logs">
            clear
          </a>
        ) : null}
      </form>
      <ErrorLine error={error} />
      {!data ? (
        <Loading />
      ) : (
        <section class="card">
          <p class="muted" data-testid="logs-count">
            {data.records.length} shown · {data.matched} matched · {data.held} held
          </p>
          {data.records.length === 0 ? (
            <Empty />
          ) : (
            <table class="logs">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Level</th>
                  <th>Message</th>
                  <th>Request id</th>
                  <th>Trace id</th>
                </tr>
              </thead>
              <tbody>
                {identities(data.records).map(([r, id]) => {
                  const level = text(r.level) ?? '';
                  const requestId = text(r.request_id);
                  const traceId = text(r.trace_id);
                  return [
                    <tr key={id} class={`row-${level}`} data-testid="log-row">
                      <td class="mono nowrap">{time(r.timestamp)}</td>
                      <td>
                        <span class={`badge level-${level}`}>{level}</span>
                      </td>
                      <td
                        class="message"
                        title="show every field"
                        onClick={() => setOpen(open === id ? undefined : id)}
                      >
                        {text(r.message) ?? ''}
                      </td>
                      <td class="mono">
                        {requestId ? (
                          <a
                            data-testid="request-id"
                            href={`#/logs?${new URLSearchParams({ request_id: requestId }).toString()}`}
                          >
                            {requestId}
                          </a>
                        ) : null}
                      </td>
                      <td class="mono">
                        {traceId ? (
                          <a
                            data-testid="trace-id"
                            href={`#/traces/${encodeURIComponent(traceId)}`}
                          >
                            {traceId.slice(0, 16)}
                          </a>
                        ) : null}
                      </td>
                    </tr>,
                    open === id ? (
                      <tr key={`${id}-fields`} class="fields">
                        <td colSpan={5}>
                          <pre>{JSON.stringify(r, null, 2)}</pre>
                        </td>
                      </tr>
                    ) : null,
                  ];
                })}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
