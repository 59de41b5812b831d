import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAuditLog } from '@obs/logging';
import { ADMIN, testService, usageEvent, type TestService } from './test-service.fixture';

let t: TestService;
let key: string;
beforeAll(async () => {
  t = await testService({ FAULT_INJECTION: 'true' });
  key = await t.workspace('acme');
});
afterAll(() => t.close());

const HEX32 = /^[0-9a-f]{32}$/;

describe('the assembled observability', () => {
  it('gives every log line of a request its request id and trace id, errors included', async () => {
    const responses = await Promise.all([
      t.request('POST', '/api/v1/workspaces/acme/events', {
        token: key,
        body: { events: [usageEvent({ id: 'obs-1' })] },
      }),
      t.request('GET', '/api/v1/workspaces/acme/analytics', { token: key }),
      t.request('GET', '/api/v1/workspaces/acme/agents'),
      t.request('GET', '/api/v1/workspaces/acme/credits', {
        token: key,
        headers: { 'x-fault': 'error' },
      }),
      t.request('POST', '/api/v1/jobs/rollup', { token: ADMIN }),
      t.request('GET', '/no/such/route'),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 401, 500, 200, 404]);
    const logs = await t.logs();
    for (const res of responses) {
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      const lines = logs.filter((l) => l.request_id === requestId);
      expect(lines.some((l) => l.message === 'request completed')).toBe(true);
      const traceIds = new Set(lines.map((l) => l.trace_id));
      expect(traceIds.size).toBe(1);
      expect([...traceIds][0]).toMatch(HEX32);
    }
    // The failure is logged as an error with its stack, and answered without the stack.
    const failed = responses[3];
    const errorLine = logs.find(
      (l) => l.request_id === failed.headers.get('x-request-id') && l.level === 'error',
    );
    expect(errorLine?.error).toMatchObject({ message: 'injected fault (X-Fault: error)' });
    expect(JSON.stringify(await failed.json())).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('honours X-Fault only for authenticated callers', async () => {
    const anonymous = await t.request('GET', '/api/v1/workspaces/acme/credits', {
      headers: { 'x-fault': 'error' },
    });
    expect(anonymous.status).toBe(401);
    const slow = await t.request('GET', '/api/v1/workspaces/acme/credits', {
      token: key,
      headers: { 'x-fault': 'delay=99999' },
    });
    expect(slow.status).toBe(200); // over the 10 s cap: not a fault at all
  });

  it('shows route templates and the business metrics in /metrics after traffic', async () => {
    await t.request('POST', '/api/v1/workspaces/acme/events', {
      token: key,
      body: { events: [usageEvent({ id: 'now-1', occurred_at: new Date().toISOString() })] },
    });
    await t.request('GET', '/api/v1/workspaces/acme/analytics', { token: key });
    await t.request('POST', '/api/v1/jobs/rollup', { token: ADMIN });
    const text = await (await t.request('GET', '/metrics')).text();
    expect(text).toContain('route="/api/v1/workspaces/:workspaceId/events"');
    expect(text).toContain('route="/api/v1/workspaces/:workspaceId/analytics"');
    expect(text).not.toContain('route="/api/v1/workspaces/acme');
    for (const name of [
      'analytics_active_users{workspace_id="acme"',
      'analytics_credits_consumed_total{workspace_id="acme",agent_id="bot-a"',
      'database_connections{state="idle"',
      'database_connections{state="available"',
      'cache_operations_total{operation="get",result=',
      'background_jobs_total{job_type="rollup",status="success"',
      'auth_failures_total{reason="missing_credentials"',
      'errors_total{type=',
      'health_check_status{check="database"',
      'tracing_spans{outcome="exported"',
      'http_request_duration_seconds_bucket{',
    ])
      expect(text).toContain(name);
  });

  it('serves an OpenAPI 3.1 document that validates, with Swagger UI at /docs', async () => {
    const res = await t.request('GET', '/openapi.json');
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/v1/jobs/rollup',
      '/api/v1/workspaces',
      '/api/v1/workspaces/{workspaceId}',
      '/api/v1/workspaces/{workspaceId}/active-users',
      '/api/v1/workspaces/{workspaceId}/agents',
      '/api/v1/workspaces/{workspaceId}/analytics',
      '/api/v1/workspaces/{workspaceId}/credits',
      '/api/v1/workspaces/{workspaceId}/events',
    ]);
    const docs = await t.request('GET', '/docs');
    expect(docs.status).toBe(200);
    const page = await docs.text();
    expect(page).toContain('/openapi.json');
    // Its assets are served here, not from a CDN.
    expect(page).not.toContain('cdn.');
    for (const asset of page.match(/\/docs\/assets\/[\w./-]+/g) ?? []) {
      const res = await t.request('GET', asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    expect(page.match(/\/docs\/assets\//g)).toHaveLength(2);
    expect((await t.request('GET', '/docs/assets/swagger-ui-dist/package.json')).status).toBe(404);
    expect((await t.request('GET', '/docs/assets/swagger-ui-dist/..%2Fpackage.json')).status).toBe(
      404,
    );
  });

  it('keeps health public as a status only, and detailed for the admin', async () => {
    const open = (await (await t.request('GET', '/health')).json()) as Record<string, unknown>;
    // The status alone (event loop and memory may say degraded on a busy machine).
    expect(Object.keys(open)).toEqual(['status']);
    expect(['healthy', 'degraded']).toContain(open.status);
    const detailed = (await (await t.request('GET', '/health', { token: ADMIN })).json()) as {
      checks: Record<string, { status: string }>;
    };
    expect(detailed.checks.database?.status).toBe('healthy');
    const expected = ['database', 'disk', 'event_loop', 'memory'];
    if (t.service.storage.cache.kind === 'redis') expected.push('redis');
    expect(Object.keys(detailed.checks).sort()).toEqual(expected.sort());
    expect((await t.request('GET', '/ready')).status).toBe(200);
    expect((await t.request('GET', '/live')).status).toBe(200);
  });

  it('lets the admin see and act on alerts, and keeps them in the database', async () => {
    const alert = t.service.obs.alerts.triggerAlert('Demo alert', 'testing', 'warning', {});
    const list = await t.request('GET', '/alerts');
    expect(JSON.stringify(await list.json())).toContain(alert.id);
    expect((await t.request('POST', `/alerts/${alert.id}/ack`, { token: key })).status).toBe(401);
    expect((await t.request('POST', `/alerts/${alert.id}/resolve`, { token: ADMIN })).status).toBe(
      200,
    );
    await t.service.obs.alerts.idle();
    const stored = await t.service.storage.repo.alertHistory(10);
    expect(stored.find((a) => a.id === alert.id)).toMatchObject({ state: 'resolved' });
  });

  it('mounts the live dashboard at /_obs behind the admin token, fed by this service', async () => {
    expect((await t.request('GET', '/_obs/api/overview')).status).toBe(401);
    expect((await t.request('GET', '/_obs/api/overview', { token: key })).status).toBe(401);
    const sent = await t.request('GET', '/api/v1/workspaces/acme/credits', { token: key });
    await t.service.obs.dashboard.sample();
    const api = async <T>(path: string) =>
      (await (await t.request('GET', `/_obs/api/${path}`, { token: ADMIN })).json()) as T;
    const overview = await api<{ routes: { route: string }[]; health: { status: string } }>(
      'overview',
    );
    expect(overview.routes.map((r) => r.route)).toContain(
      '/api/v1/workspaces/:workspaceId/credits',
    );
    expect(['healthy', 'degraded']).toContain(overview.health.status);
    const business = await api<{ panels: { title: string }[] }>('business');
    expect(business.panels.map((p) => p.title)).toContain('Credits consumed per agent');
    const requestId = sent.headers.get('x-request-id')!;
    const logs = await api<{ records: { request_id: string; message: string }[] }>(
      `logs?request_id=${requestId}`,
    );
    expect(logs.records.map((r) => r.message)).toContain('request completed');
    expect(logs.records.every((r) => r.request_id === requestId)).toBe(true);
  });

  it('writes the audit log as a verifiable hash chain', async () => {
    await t.request('GET', '/api/v1/workspaces/acme', { token: 'wrong' });
    await t.service.obs.audit.close();
    const lines = readFileSync(join(t.dir, 'audit.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(await verifyAuditLog(join(t.dir, 'audit.log'))).toMatchObject({ ok: true });
  });
});
