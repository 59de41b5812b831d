import type { OverviewResponse, PanelData } from '../src/api';
import { useDrawnReady, usePoll, useReady } from './app-context';
import { isEmpty, PanelCard } from './chart';
import { formatValue, seconds } from './format';
import { Empty, ErrorLine, Loading } from './parts';

/** The charts PanelCard draws: the timeseries panels it does not show as empty. */
function charted(panels: readonly PanelData[]): number {
  return panels.filter((p) => p.type === 'timeseries' && !isEmpty(p)).length;
}

/** Panels, each timeseries drawn as a chart; `ready` once every chart with points has drawn. */
export function PanelGrid({ panels, page }: { panels: readonly PanelData[]; page: string }) {
  const drawn = useDrawnReady(page, charted(panels));
  return (
    <div class="grid">
      {panels.map((panel, i) => (
        <PanelCard key={panel.title} panel={panel} onDrawn={drawn(i)} />
      ))}
    </div>
  );
}

export function Overview() {
  const { data, error } = usePoll<OverviewResponse>('overview');
  useReady('overview', data !== undefined && data.panels.length === 0);
  return (
    <div data-testid="page-overview">
      <ErrorLine error={error} />
      {!data ? (
        <Loading />
      ) : (
        <>
          {data.panels.length === 0 ? (
            <Empty />
          ) : (
            <PanelGrid panels={data.panels} page="overview" />
          )}
          <div class="columns">
            <Routes routes={data.routes} />
            <Health health={data.health} />
          </div>
        </>
      )}
    </div>
  );
}

function Routes({ routes }: { routes: OverviewResponse['routes'] }) {
  return (
    <section class="card">
      <h3>Routes</h3>
      {routes.length === 0 ? (
        <Empty />
      ) : (
        <table>
          <thead>
            <tr>
              <th>Method</th>
              <th>Route</th>
              <th class="num">Rate</th>
              <th class="num">Errors</th>
              <th class="num">p95</th>
            </tr>
          </thead>
          <tbody>
            {routes.map((r) => (
              <tr key={`${r.method} ${r.route}`} data-testid="route-row">
                <td>{r.method}</td>
                <td class="mono">{r.route}</td>
                <td class="num">{formatValue(r.rate, 'reqps')}</td>
                <td class={`num${r.errorRate > 0 ? ' bad' : ''}`}>
                  {formatValue(r.errorRate, 'percentunit')}
                </td>
                <td class="num">{r.p95 === null ? '–' : seconds(r.p95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Health({ health }: { health: OverviewResponse['health'] }) {
  if (!health) return null;
  return (
    <section class="card">
      <h3>
        Health <span class={`badge status-${health.status}`}>{health.status}</span>
      </h3>
      {health.checks.length === 0 ? (
        <p class="empty">no checks registered</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Check</th>
              <th>Status</th>
              <th class="num">Latency</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {health.checks.map((c) => (
              <tr key={c.name} data-testid="health-check">
                <td>
                  {c.name}
                  {c.critical ? <span class="tag">critical</span> : null}
                </td>
                <td>
                  <span class={`badge status-${c.status}`}>{c.status}</span>
                </td>
                <td class="num">{seconds(c.latency_ms / 1000)}</td>
                <td class="muted">{c.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
