// One panel as a uPlot line chart, or as big numbers for a stat panel.
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { PanelData } from '../src/api';
import { formatValue } from './format';

const COLORS = ['#2f6fdf', '#d9480f', '#2b8a3e', '#862e9c', '#e8590c', '#0b7285', '#5c940d'];
const HEIGHT = 180;

function aligned(panel: PanelData): uPlot.AlignedData {
  return [panel.data.t, ...panel.data.series.map((s) => s.values)];
}

function options(panel: PanelData, width: number, onDraw: (u: uPlot) => void): uPlot.Options {
  const format = (v: number | null): string => formatValue(v, panel.unit);
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: true } },
    series: [
      {},
      ...panel.data.series.map((s, i) => ({
        // An unlabelled line (one query, no `by`) is the panel's own.
        label: s.label || panel.title,
        stroke: COLORS[i % COLORS.length]!,
        width: 1.5,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => format(v),
      })),
    ],
    axes: [
      { stroke: '#666', grid: { stroke: '#eee' }, size: 40 },
      {
        stroke: '#666',
        grid: { stroke: '#eee' },
        size: 76,
        values: (_u: uPlot, splits: number[]) => splits.map(format),
      },
    ],
    // The legend is ours (Legend below): uPlot's live one cost each chart a table and cursor work.
    legend: { show: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    hooks: { draw: [onDraw] },
  };
}

interface ChartProps {
  panel: PanelData;
  /** Called after each draw that had points. */
  onDrawn?: () => void;
}

/** A timeseries panel; `data-testid="chart"` appears once uPlot has drawn its points. */
export function Chart({ panel, onDrawn }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const drawnRef = useRef(onDrawn);
  drawnRef.current = onDrawn;
  // A new set of lines (or unit) needs a new plot; new values only need setData.
  const shape = `${panel.unit ?? ''}|${panel.data.series.map((s) => s.label).join('\u0000')}`;

  // Before the browser paints: the chart appears in the same frame as its card. Every chart of
  // the page reads its width first (one layout), then each is built in a microtask: reading a
  // width after another chart was built would lay the page out again, once per chart.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = el.clientWidth || 400;
    let u: uPlot | undefined;
    let resize: ResizeObserver | undefined;
    let cancelled = false;
    queueMicrotask(() => {
      if (cancelled) return;
      const onDraw = (drawn: uPlot): void => {
        if (drawn.data[0].length === 0) return;
        el.dataset.testid = 'chart';
        drawnRef.current?.();
      };
      const chart = new uPlot(options(panel, width, onDraw), aligned(panel), el);
      u = chart;
      plot.current = chart;
      resize = new ResizeObserver(() => {
        if (el.clientWidth > 0 && el.clientWidth !== chart.width)
          chart.setSize({ width: el.clientWidth, height: HEIGHT });
      });
      resize.observe(el);
    });
    return () => {
      cancelled = true;
      resize?.disconnect();
      u?.destroy();
      plot.current = undefined;
      delete el.dataset.testid;
    };
    // Rebuilt on a new shape only (the panel is read then); new values go through setData below.
  }, [shape]);

  useEffect(() => {
    const u = plot.current;
    if (u && u.data[0] !== panel.data.t) u.setData(aligned(panel));
  }, [panel]);

  return <div class="chart-box" ref={box} />;
}

/** The latest non-null value of a series. */
export function latest(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

/** No points or no line (a metric the app does not have): the card says so, nothing is drawn. */
export function isEmpty(panel: PanelData): boolean {
  return panel.data.t.length === 0 || panel.data.series.length === 0;
}

/** Each line's colour, name and latest value. */
function Legend({ panel }: { panel: PanelData }) {
  return (
    <ul class="legend">
      {panel.data.series.map((s, i) => (
        <li key={s.label}>
          <span class="swatch" style={{ background: COLORS[i % COLORS.length] }} />
          {s.label || panel.title} <b>{formatValue(latest(s.values), panel.unit)}</b>
        </li>
      ))}
    </ul>
  );
}

/** One panel in its card: chart, big numbers, or the empty state. */
export function PanelCard({ panel, onDrawn }: ChartProps) {
  const empty = isEmpty(panel);
  return (
    <section class={`card panel panel-${panel.type}`} data-testid="panel">
      <h3>{panel.title}</h3>
      {empty ? (
        <p class="empty">no data yet</p>
      ) : panel.type === 'stat' ? (
        <div class="stats">
          {panel.data.series.map((s) => (
            <div class="stat" data-testid="stat" key={s.label}>
              <span class="stat-value">{formatValue(latest(s.values), panel.unit)}</span>
              {panel.data.series.length > 1 || s.label ? (
                <span class="stat-label">{s.label}</span>
              ) : null}
            </div>
          ))}
        </div>
      ) : (
        <>
          <Chart panel={panel} {...(onDrawn ? { onDrawn } : {})} />
          <Legend panel={panel} />
        </>
      )}
    </section>
  );
}
