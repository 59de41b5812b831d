import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { createAlertEngine } from '../engine';
import { alertRoutes } from './routes';

const TOKEN = 'an-admin-token-of-length';
const auth = { authorization: `Bearer ${TOKEN}` };

function setup(options: Partial<Parameters<typeof alertRoutes>[1]> = {}) {
  let t = 1_000_000;
  const engine = createAlertEngine({ source: { collect: () => [] }, rules: [], now: () => t });
  const app = new Hono().route('/', alertRoutes(engine, { token: TOKEN, ...options }));
  return { engine, app, advance: (ms: number) => (t += ms) };
}

const post = (app: Hono, path: string, body?: unknown, headers: Record<string, string> = auth) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('alertRoutes', () => {
  it('lists active alerts, filtered, and their history', async () => {
    const { engine, app } = setup();
    engine.triggerAlert('Backup failed', 'exit 2', 'critical');
    engine.triggerAlert('Disk filling', '85%', 'warning');
    const all = (await (await app.request('/alerts')).json()) as { alerts: { name: string }[] };
    expect(all.alerts.map((a) => a.name).sort()).toEqual(['Backup failed', 'Disk filling']);
    const critical = (await (await app.request('/alerts?severity=critical')).json()) as {
      alerts: unknown[];
    };
    expect(critical.alerts).toHaveLength(1);
    const bad = await app.request('/alerts?state=angry');
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({ errors: [{ path: 'state' }] });
  });

  it('acknowledges, silences and resolves with the token, and refuses without it', async () => {
    const { engine, app } = setup();
    const { id } = engine.triggerAlert('Backup failed', 'exit 2', 'critical');
    expect((await post(app, `/alerts/${id}/ack`, { by: 'ana' }, {})).status).toBe(401);
    expect(await (await post(app, `/alerts/${id}/ack`, { by: 'ana' })).json()).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'ana',
    });
    expect((await post(app, `/alerts/${id}/silence`, { duration: 'soon' })).status).toBe(422);
    expect((await post(app, `/alerts/${id}/silence`, { duration: '0' })).status).toBe(422);
    expect(
      await (await post(app, `/alerts/${id}/silence`, { duration: '2h' })).json(),
    ).toMatchObject({ state: 'silenced' });
    expect(
      await (await post(app, `/alerts/${id}/resolve`, { message: 'fixed' })).json(),
    ).toMatchObject({ state: 'resolved' });
    expect((await post(app, `/alerts/${id}/resolve`)).status).toBe(404);
    const history = (await (await app.request('/alerts/history')).json()) as {
      alerts: { annotations: { resolution: string } }[];
    };
    expect(history.alerts[0]!.annotations.resolution).toBe('fixed');
  });

  it('receives Alertmanager webhooks into the same store, and resolves them', async () => {
    const { engine, app } = setup();
    const alert = {
      labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'api' },
      annotations: { summary: '12%' },
      startsAt: '2026-11-22T10:00:00Z',
    };
    expect(
      (
        await post(
          app,
          '/alerts/webhook',
          { version: '4', alerts: [{ status: 'firing', ...alert }] },
          {},
        )
      ).status,
    ).toBe(401);
    expect(
      await (
        await post(app, '/alerts/webhook', {
          version: '4',
          status: 'firing',
          alerts: [{ status: 'firing', ...alert }],
        })
      ).json(),
    ).toEqual({ received: 1 });
    expect(engine.alerts()).toMatchObject([
      { name: 'HighErrorRate', source: 'alertmanager', severity: 'critical', state: 'firing' },
    ]);
    await post(app, '/alerts/webhook', {
      version: '4',
      alerts: [{ status: 'resolved', ...alert, endsAt: '2026-11-22T10:05:00Z' }],
    });
    expect(engine.alerts()).toEqual([]);
    const invalid = await post(app, '/alerts/webhook', {
      alerts: [{ status: 'exploded', labels: {} }],
    });
    expect(invalid.status).toBe(422);
    expect(await invalid.json()).toMatchObject({ errors: [{ path: 'alerts.0.status' }] });
    expect((await post(app, '/alerts/webhook', undefined)).status).toBe(422);
  });

  it('can protect reads too, and refuses a short token', async () => {
    const { app } = setup({ protectReads: true });
    expect((await app.request('/alerts')).status).toBe(401);
    expect((await app.request('/alerts', { headers: auth })).status).toBe(200);
    expect(() => setup({ token: 'short' })).toThrow(expect.objectContaining({ option: 'token' }));
  });
});
