import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, testService, type TestService } from '../test-service.fixture';

let t: TestService;
let acmeKey: string;
let globexKey: string;
beforeAll(async () => {
  t = await testService();
  acmeKey = await t.workspace('acme');
  globexKey = await t.workspace('globex', ['helper']);
});
afterAll(() => t.close());

async function metric(name: string): Promise<string[]> {
  const text = await (await t.request('GET', '/metrics')).text();
  return text.split('\n').filter((line) => line.startsWith(name));
}

describe('workspaces', () => {
  it('are created by the admin, with an API key shown once and stored only as a hash', async () => {
    const res = await t.request('POST', '/api/v1/workspaces', {
      token: ADMIN,
      body: { id: 'initech', name: 'Initech' },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ id: 'initech', name: 'Initech', owner_user_id: 'owner' });
    expect(body.api_key).toMatch(/^obs_[A-Za-z0-9_-]{43}$/);
    const rows = await t.service.storage.db.query<{ key_hash: string }>(
      'SELECT key_hash FROM api_keys WHERE workspace_id = ?',
      ['initech'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(body.api_key);
    // The key works at once.
    const own = await t.request('GET', '/api/v1/workspaces/initech', { token: body.api_key });
    expect(own.status).toBe(200);
  });

  it('answer 409 for an id that exists, and keep the first one', async () => {
    const res = await t.request('POST', '/api/v1/workspaces', {
      token: ADMIN,
      body: { id: 'acme', name: 'Another Acme' },
    });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const ws = await t.request('GET', '/api/v1/workspaces/acme', { token: ADMIN });
    expect(((await ws.json()) as { name: string }).name).toBe('Workspace acme');
  });

  it('are listed for the admin, page by page', async () => {
    const first = await t.request('GET', '/api/v1/workspaces?limit=2', { token: ADMIN });
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: { id: string }[]; limit: number };
    expect(page.items.map((w) => w.id)).toEqual(['acme', 'globex']);
    const next = await t.request('GET', '/api/v1/workspaces?limit=2&offset=2', { token: ADMIN });
    expect(((await next.json()) as { items: { id: string }[] }).items.map((w) => w.id)).toEqual([
      'initech',
    ]);
  });

  it('answer 404 for one that does not exist', async () => {
    const res = await t.request('GET', '/api/v1/workspaces/nobody', { token: ADMIN });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('reject invalid bodies with 422 naming each field', async () => {
    const res = await t.request('POST', '/api/v1/workspaces', {
      token: ADMIN,
      body: { id: 'Not A Slug!', name: '' },
    });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path).sort()).toEqual(['id', 'name']);
  });

  it('reject a body that is not JSON with 400, and one without a content type with 415', async () => {
    const malformed = await t.request('POST', '/api/v1/workspaces', {
      token: ADMIN,
      body: '{"id": "x",',
    });
    expect(malformed.status).toBe(400);
    const untyped = await t.service.app.request('/api/v1/workspaces', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: 'id=x',
    });
    expect(untyped.status).toBe(415);
    expect(untyped.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('agents', () => {
  it('are registered and listed per workspace', async () => {
    const created = await t.request('POST', '/api/v1/workspaces/acme/agents', {
      token: acmeKey,
      body: { id: 'summarizer', name: 'Summarizer', description: 'Summarizes threads' },
    });
    expect(created.status).toBe(201);
    const list = await t.request('GET', '/api/v1/workspaces/acme/agents', { token: acmeKey });
    const { items } = (await list.json()) as { items: { id: string }[] };
    expect(items.map((a) => a.id)).toEqual(['bot-a', 'bot-b', 'summarizer']);
  });

  it('reject names with control characters or broken Unicode, and keep newlines in descriptions', async () => {
    for (const name of ['bad\u0000name', 'bad\udc00name', 'tab\tname']) {
      const res = await t.request('POST', '/api/v1/workspaces/acme/agents', {
        token: acmeKey,
        body: { id: 'named', name },
      });
      expect({ name, status: res.status }).toEqual({ name, status: 422 });
    }
    const res = await t.request('POST', '/api/v1/workspaces/acme/agents', {
      token: acmeKey,
      body: { id: 'described', name: 'Described', description: 'line one\nline two\tand a tab' },
    });
    expect(res.status).toBe(201);
  });

  it('answer 409 for an agent id the workspace has', async () => {
    const res = await t.request('POST', '/api/v1/workspaces/acme/agents', {
      token: acmeKey,
      body: { id: 'bot-a', name: 'Again' },
    });
    expect(res.status).toBe(409);
  });

  it('answer 404 when the admin names a workspace that does not exist', async () => {
    const res = await t.request('GET', '/api/v1/workspaces/nobody/agents', { token: ADMIN });
    expect(res.status).toBe(404);
  });
});

describe('authentication', () => {
  it('answers 401 with a Bearer challenge when the key is missing or unknown', async () => {
    const missing = await t.request('GET', '/api/v1/workspaces/acme');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="analytics"');
    const unknown = await t.request('GET', '/api/v1/workspaces/acme', {
      token: `obs_${'x'.repeat(43)}`,
    });
    expect(unknown.status).toBe(401);
    const garbage = await t.request('GET', '/api/v1/workspaces/acme', { token: 'nonsense' });
    expect(garbage.status).toBe(401);
  });

  it("answers 403 for another workspace's data, and for admin operations with a workspace key", async () => {
    expect((await t.request('GET', '/api/v1/workspaces/acme', { token: globexKey })).status).toBe(
      403,
    );
    const events = await t.request('POST', '/api/v1/workspaces/acme/events', {
      token: globexKey,
      body: { events: [] },
    });
    expect(events.status).toBe(403);
    expect((await t.request('GET', '/api/v1/workspaces', { token: acmeKey })).status).toBe(403);
    expect((await t.request('POST', '/api/v1/jobs/rollup', { token: acmeKey })).status).toBe(403);
    // 403 before 404: a key cannot probe which workspaces exist.
    expect((await t.request('GET', '/api/v1/workspaces/nobody', { token: acmeKey })).status).toBe(
      403,
    );
  });

  it('counts failures by reason and labels them with the route they were aimed at', async () => {
    const before = await metric('auth_failures_total');
    const count = (lines: string[], reason: string) =>
      Number(
        lines
          .find((l) => l.includes(`reason="${reason}"`))
          ?.split(' ')
          .at(-1) ?? 0,
      );
    await t.request('GET', '/api/v1/workspaces/acme/agents');
    await t.request('GET', '/api/v1/workspaces/acme/agents', { token: globexKey });
    const after = await metric('auth_failures_total');
    expect(count(after, 'missing_credentials') - count(before, 'missing_credentials')).toBe(1);
    expect(count(after, 'forbidden') - count(before, 'forbidden')).toBe(1);
    const requests = await metric('http_requests_total');
    expect(
      requests.some(
        (l) =>
          l.includes('route="/api/v1/workspaces/:workspaceId/agents"') &&
          l.includes('status="401"'),
      ),
    ).toBe(true);
  });

  it('writes each failure to the audit log, with the request id and never the key', async () => {
    const res = await t.request('GET', '/api/v1/workspaces/acme/credits', {
      token: `obs_${'y'.repeat(43)}`,
    });
    const requestId = res.headers.get('x-request-id');
    await t.service.obs.audit.close();
    const records = readFileSync(t.service.config.auditLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const record = records.find((r) => r.request_id === requestId);
    expect(record).toMatchObject({
      action: 'GET /api/v1/workspaces/:workspaceId/credits',
      outcome: 'failure',
      reason: 'invalid_credentials',
    });
    expect(JSON.stringify(records)).not.toContain('y'.repeat(43));
    expect(records.some((r) => r.outcome === 'denied' && r.resource === 'workspace:acme')).toBe(
      true,
    );
  });

  it("puts the caller's user and workspace into every log line of the request", async () => {
    const res = await t.request('GET', '/api/v1/workspaces/acme/agents', { token: acmeKey });
    const requestId = res.headers.get('x-request-id');
    const lines = (await t.logs()).filter((l) => l.request_id === requestId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatchObject({ user_id: 'acme-owner', workspace_id: 'acme' });
  });
});
