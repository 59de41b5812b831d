import type { ComponentChild } from 'preact';
import { useState } from 'preact/hooks';
import type { AlertsResponse } from '../src/api';
import type { AlertRecord } from '../src/sources';
import { errorText, usePoll, useReady, useShell } from './app-context';
import { AdminTokenRequired, postAlertAction, setAdminToken } from './client';
import { ago, clock } from './format';
import { Empty, ErrorLine, Loading, TokenForm } from './parts';

type Action = 'ack' | 'silence' | 'resolve';
const BODIES: Record<Action, unknown> = {
  ack: { by: 'dashboard' },
  silence: { duration: '1h' },
  resolve: {},
};

interface Pending {
  id: string;
  action: Action;
}

export function Alerts() {
  const { config } = useShell();
  const { data, error, refresh } = usePoll<AlertsResponse>('alerts');
  useReady('alerts', data !== undefined);
  const [asking, setAsking] = useState<{ pending: Pending; note: string } | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const alertsPath = config.alertsPath?.replace(/\/$/, '');

  const run = async (pending: Pending): Promise<void> => {
    if (alertsPath === undefined) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const url = `${alertsPath}/${encodeURIComponent(pending.id)}/${pending.action}`;
      await postAlertAction(url, BODIES[pending.action]);
      setAsking(undefined);
      refresh();
    } catch (e) {
      if (e instanceof AdminTokenRequired) setAsking({ pending, note: e.message });
      else setActionError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const actions = (a: AlertRecord) =>
    alertsPath === undefined ? null : (
      <td class="actions nowrap">
        {(['ack', 'silence', 'resolve'] as const).map((action) => (
          <button
            key={action}
            type="button"
            data-testid={action}
            disabled={busy || (action === 'ack' && a.acknowledgedBy !== undefined)}
            onClick={() => void run({ id: a.id, action })}
          >
            {action === 'ack' ? 'Acknowledge' : action === 'silence' ? 'Silence (1h)' : 'Resolve'}
          </button>
        ))}
      </td>
    );

  return (
    <div data-testid="page-alerts">
      {asking ? (
        <TokenForm
          title="Admin token"
          note={`${asking.note}: acknowledge, silence and resolve call the alert routes with it.`}
          onToken={(token) => {
            setAdminToken(token);
            void run(asking.pending);
          }}
          onCancel={() => setAsking(undefined)}
        />
      ) : null}
      <ErrorLine error={error ?? actionError} />
      {!data ? (
        <Loading />
      ) : (
        <>
          <AlertTable title="Active" alerts={data.active} actions={actions} />
          <AlertTable title="Recent" alerts={data.history} />
        </>
      )}
    </div>
  );
}

function AlertTable(props: {
  title: string;
  alerts: readonly AlertRecord[];
  actions?: (a: AlertRecord) => ComponentChild;
}) {
  const { title, alerts, actions } = props;
  return (
    <section class="card">
      <h3>
        {title} <span class="muted">({alerts.length})</span>
      </h3>
      {alerts.length === 0 ? (
        <Empty />
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Severity</th>
              <th>State</th>
              <th>Since</th>
              <th class="num">Value</th>
              <th>Summary</th>
              {actions ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {alerts.map((a, i) => (
              <tr key={`${a.id}-${i}`} data-testid="alert-row" data-state={a.state}>
                <td>{a.name}</td>
                <td>
                  <span class={`badge severity-${a.severity}`}>{a.severity}</span>
                </td>
                <td>
                  <span class={`badge state-${a.state}`}>{a.state}</span>
                  {a.acknowledgedBy ? <span class="tag">acked by {a.acknowledgedBy}</span> : null}
                  {a.silencedUntil !== undefined && a.silencedUntil > Date.now() ? (
                    <span class="tag">silenced until {clock(a.silencedUntil)}</span>
                  ) : null}
                </td>
                <td class="nowrap" title={new Date(a.activeAt).toISOString()}>
                  {ago(a.activeAt)}
                </td>
                <td class="num">
                  {typeof a.value === 'number' ? Number(a.value.toPrecision(4)) : '–'}
                </td>
                <td>{a.annotations.summary ?? ''}</td>
                {actions ? actions(a) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
