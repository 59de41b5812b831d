// A definition's panels, kept as columns that each tick extends by one point: a refresh of the
// pages only copies the columns out (no query runs on a request).
import type { PanelData, RouteRow, SeriesFrame } from './api';
import type { DashboardDefinition, Panel, Query } from './definition';
import type { Compiled, Evaluator, Point } from './evaluate';
import type { MetricHistory } from './history';

interface Line {
  query: number;
  label: string;
  values: Float64Array;
  last: number;
}

interface PanelState {
  panel: Panel;
  queries: Compiled[];
  lines: Map<string, Line>;
  sorted: Line[] | undefined;
}

function describe(query: Query): string {
  switch (query.kind) {
    case 'ratio':
      return `${describe(query.numerator)} / ${describe(query.denominator)}`;
    case 'quantile':
      return `p${Math.round(query.q * 1000) / 10}`;
    default:
      return query.metric;
  }
}

function lineLabel(panel: Panel, index: number, point: Point): string {
  const template = panel.legend?.[index];
  if (template !== undefined)
    return template.replace(
      /\{\{\s*([\w.]+)\s*\}\}/g,
      (_, name: string) => point.labels[name] ?? '',
    );
  const values = Object.values(point.labels);
  if (values.length > 0) return values.join(' ');
  return panel.queries.length === 1 ? panel.title : describe(panel.queries[index]!);
}

export class PanelSet {
  private readonly states: PanelState[];
  private cache: { tick: number; data: PanelData[] } | undefined;

  constructor(
    readonly definition: DashboardDefinition,
    private readonly history: MetricHistory,
    private readonly evaluator: Evaluator,
    windowMs: number,
  ) {
    this.states = definition.panels.map((panel) => ({
      panel,
      queries: panel.queries.map((q) => evaluator.compile(q, windowMs)),
      lines: new Map(),
      sorted: undefined,
    }));
  }

  /** Extends every line by the latest tick's value (call after each ingest). */
  update(): void {
    const h = this.history;
    const tick = h.ticks - 1;
    if (tick < 0) return;
    const slot = h.slot(tick);
    for (const state of this.states) {
      state.queries.forEach((compiled, index) => {
        for (const [key, point] of this.evaluator.evaluate(compiled)) {
          const id = `${index}\u0002${key}`;
          let line = state.lines.get(id);
          if (!line) {
            line = {
              query: index,
              label: lineLabel(state.panel, index, point),
              values: new Float64Array(h.capacity).fill(NaN),
              last: tick,
            };
            state.lines.set(id, line);
            state.sorted = undefined;
          }
          line.values[slot] = point.value;
          line.last = tick;
        }
      });
      for (const [id, line] of state.lines) {
        if (line.last === tick) continue;
        line.values[slot] = NaN;
        if (tick - line.last >= h.capacity) {
          state.lines.delete(id);
          state.sorted = undefined;
        }
      }
    }
  }

  /** The panels with their columns, oldest point first (cached until the next tick). */
  data(): PanelData[] {
    const h = this.history;
    if (this.cache?.tick === h.ticks) return this.cache.data;
    const t: number[] = [];
    for (let k = h.oldest; k < h.ticks; k++) t.push(h.times[h.slot(k)]! / 1000);
    const data = this.states.map((state): PanelData => {
      state.sorted ??= [...state.lines.values()].sort(
        (a, b) => a.query - b.query || a.label.localeCompare(b.label),
      );
      const frame: SeriesFrame = {
        t,
        series: state.sorted.map((line) => {
          const values: (number | null)[] = [];
          for (let k = h.oldest; k < h.ticks; k++) {
            const v = line.values[h.slot(k)]!;
            values.push(Number.isFinite(v) ? v : null);
          }
          return { label: line.label, values };
        }),
      };
      return {
        title: state.panel.title,
        unit: state.panel.unit,
        type: state.panel.type ?? 'timeseries',
        data: frame,
      };
    });
    this.cache = { tick: h.ticks, data };
    return data;
  }
}

/** The per-route table: rate, 5xx share and p95 over the last minute, busiest first. */
export class RouteTable {
  private readonly requests: Compiled;
  private readonly errors: Compiled;
  private readonly p95: Compiled;
  rows: RouteRow[] = [];

  constructor(
    private readonly evaluator: Evaluator,
    windowMs = 60_000,
    readonly limit = 50,
  ) {
    const by = ['method', 'route'];
    this.requests = evaluator.compile(
      { kind: 'rate', metric: 'http_requests_total', by },
      windowMs,
    );
    this.errors = evaluator.compile(
      { kind: 'rate', metric: 'http_requests_total', by, where: { status: '~5..' } },
      windowMs,
    );
    this.p95 = evaluator.compile(
      { kind: 'quantile', q: 0.95, metric: 'http_request_duration_seconds', by },
      windowMs,
    );
  }

  update(): void {
    const errors = this.evaluator.evaluate(this.errors);
    const p95 = this.evaluator.evaluate(this.p95);
    const rows: RouteRow[] = [];
    for (const [key, point] of this.evaluator.evaluate(this.requests)) {
      const rate = point.value;
      const failing = errors.get(key)?.value ?? 0;
      rows.push({
        method: point.labels.method ?? '',
        route: point.labels.route ?? '',
        rate,
        errorRate: rate > 0 ? failing / rate : 0,
        p95: rate > 0 ? (p95.get(key)?.value ?? null) : null,
      });
    }
    rows.sort((a, b) => b.rate - a.rate || a.route.localeCompare(b.route));
    this.rows = rows.slice(0, this.limit);
  }
}
