import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testService, usageEvent, type TestService } from '../test-service.fixture';

let t: TestService;
let key: string;
beforeAll(async () => {
  t = await testService();
  key = await t.workspace('acme');
});
afterAll(() => t.close());

const ingest = (events: unknown[], token = key) =>
  t.request('POST', '/api/v1/workspaces/acme/events', { token, body: { events } });
const stored = async () =>
  Number(
    (
      await t.service.storage.db.query<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM events WHERE workspace_id = 'acme'",
      )
    )[0]!.n,
  );
async function creditsMetric(agent: string): Promise<number> {
  const text = await (await t.request('GET', '/metrics')).text();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('analytics_credits_consumed_total{') &&
        l.includes('workspace_id="acme"') &&
        l.includes(`agent_id="${agent}"`),
    );
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('event ingestion', () => {
  it('stores a batch and counts its credits per agent', async () => {
    const before = await stored();
    const metricBefore = await creditsMetric('bot-b');
    const res = await ingest([
      usageEvent({ id: 'a-1', credits: 5 }),
      usageEvent({ id: 'a-2', credits: 7, agent_id: 'bot-b', properties: { model: 'small' } }),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, credits: 12 });
    expect(await stored()).toBe(before + 2);
    expect((await creditsMetric('bot-b')) - metricBefore).toBe(7);
  });

  it('is idempotent by event id: a re-sent batch stores and counts nothing twice', async () => {
    const batch = [usageEvent({ id: 'r-1', credits: 3 }), usageEvent({ id: 'r-2', credits: 4 })];
    expect(await (await ingest(batch)).json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const before = await stored();
    const metricBefore = await creditsMetric('bot-a');
    const again = await ingest([...batch, usageEvent({ id: 'r-3', credits: 1 })]);
    expect(await again.json()).toEqual({ accepted: 1, duplicates: 2, credits: 1 });
    expect(await stored()).toBe(before + 1);
    expect((await creditsMetric('bot-a')) - metricBefore).toBe(1);
  });

  it('accepts up to 1000 events in one batch, and answers 413 for more', async () => {
    const full = Array.from({ length: 1000 }, (_, i) => usageEvent({ id: `full-${i}` }));
    expect(await (await ingest(full)).json()).toMatchObject({ accepted: 1000 });
    const before = await stored();
    const over = Array.from({ length: 1001 }, (_, i) => usageEvent({ id: `over-${i}` }));
    const res = await ingest(over);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, code: 'CONTENT_TOO_LARGE' });
    expect(await stored()).toBe(before);
  });

  it('answers 413 for a body over the size limit without reading it whole', async () => {
    const res = await t.request('POST', '/api/v1/workspaces/acme/events', {
      token: key,
      body: `{"events":[${'"x",'.repeat(1_500_000)}"x"]}`,
    });
    expect(res.status).toBe(413);
  });

  it.each([
    ['a missing field', { user_id: undefined }, 'events.1.user_id'],
    ['negative credits', { credits: -1 }, 'events.1.credits'],
    ['fractional credits', { credits: 1.5 }, 'events.1.credits'],
    ['a timestamp that is not ISO 8601', { occurred_at: 'yesterday' }, 'events.1.occurred_at'],
    [
      'a timestamp without a time zone',
      { occurred_at: '2026-11-20T10:00:00' },
      'events.1.occurred_at',
    ],
    ['a day that does not exist', { occurred_at: '2026-02-29T10:00:00Z' }, 'events.1.occurred_at'],
    [
      'a timestamp far in the future',
      { occurred_at: '2999-01-01T00:00:00Z' },
      'events.1.occurred_at',
    ],
    ['an unknown agent', { agent_id: 'ghost' }, 'events.1.agent_id'],
    ['a malformed type', { type: 'Not A Type' }, 'events.1.type'],
    ['oversized properties', { properties: { blob: 'x'.repeat(9000) } }, 'events.1.properties'],
    ['properties that are not an object', { properties: [1, 2] }, 'events.1.properties'],
    ['an id used twice in the batch', { id: 'twin' }, 'events.1.id'],
    ['a NUL character in an id', { id: 'evt\u0000x' }, 'events.1.id'],
    ['a lone surrogate in a user id', { user_id: 'user\ud800' }, 'events.1.user_id'],
    ['a newline in a user id', { user_id: 'user\n2' }, 'events.1.user_id'],
  ])('rejects the whole batch with 422 for %s, naming the event', async (_kind, change, path) => {
    const before = await stored();
    const res = await ingest([usageEvent({ id: 'twin' }), usageEvent(change), usageEvent()]);
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain(path);
    expect(await stored()).toBe(before);
  });

  it('accepts any time zone offset and leap days', async () => {
    const res = await ingest([
      usageEvent({ id: 'tz-1', occurred_at: '2026-11-20T10:00:00+05:30' }),
      usageEvent({ id: 'tz-2', occurred_at: '2024-02-29T23:59:59.123Z' }),
    ]);
    expect(await res.json()).toMatchObject({ accepted: 2 });
  });

  it('answers 422, not 500, for properties nested too deep to serialize', async () => {
    const body = JSON.stringify({ events: [usageEvent({ id: 'deep-1' })] }).replace(
      '"credits"',
      `"properties":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)},"credits"`,
    );
    const res = await t.request('POST', '/api/v1/workspaces/acme/events', { token: key, body });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((e) => e.path)).toContain('events.0.properties');
  });

  it('answers 400 for a body that is not valid UTF-8, storing nothing', async () => {
    const before = await stored();
    const json = Buffer.from(JSON.stringify({ events: [usageEvent({ id: 'utf-@' })] }));
    const body = Buffer.concat([
      json.subarray(0, json.indexOf('@')),
      Buffer.from([0xff, 0xc3]),
      json.subarray(json.indexOf('@') + 1),
    ]);
    const res = await t.service.app.request('/api/v1/workspaces/acme/events', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ detail: 'The body is not valid UTF-8.' });
    expect(await stored()).toBe(before);
  });

  it('rejects an empty batch with 422', async () => {
    const res = await ingest([]);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('events');
  });
});
