import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN, testService, usageEvent, type TestService } from '../test-service.fixture';

let t: TestService;
let key: string;
let liveKey: string;
const range = 'from=2026-11-18T00:00:00Z&to=2026-11-21T00:00:00Z';
const MINUTE = 60_000;

beforeAll(async () => {
  t = await testService();
  key = await t.workspace('stats');
  liveKey = await t.workspace('live');
  const events = [
    ['e1', 'u1', 'bot-a', 'chat.completion', 10, '2026-11-18T10:00:00Z'],
    ['e2', 'u2', 'bot-a', 'embedding', 5, '2026-11-18T12:00:00Z'],
    ['e3', 'u1', 'bot-b', 'chat.completion', 20, '2026-11-19T09:00:00Z'],
    ['e4', 'u3', 'bot-b', 'tool.call', 1, '2026-11-19T23:59:59Z'],
    ['e5', 'u2', 'bot-a', 'chat.completion', 7, '2026-11-20T00:00:00Z'],
    ['outside', 'u9', 'bot-a', 'chat.completion', 100, '2026-11-10T00:00:00Z'],
  ].map(([id, user_id, agent_id, type, credits, occurred_at]) =>
    usageEvent({ id, user_id, agent_id, type, credits, occurred_at }),
  );
  const res = await t.request('POST', '/api/v1/workspaces/stats/events', {
    token: key,
    body: { events },
  });
  expect(res.status).toBe(200);
  const now = Date.now();
  const live = [
    usageEvent({ id: 'l1', user_id: 'u1', occurred_at: new Date(now - 2 * MINUTE).toISOString() }),
    usageEvent({ id: 'l2', user_id: 'u2', occurred_at: new Date(now - 30 * MINUTE).toISOString() }),
    usageEvent({
      id: 'l3',
      user_id: 'u3',
      occurred_at: new Date(now - 180 * MINUTE).toISOString(),
    }),
  ];
  await t.request('POST', '/api/v1/workspaces/live/events', {
    token: liveKey,
    body: { events: live },
  });
});
afterAll(() => t.close());

const analytics = async (groupBy: string, query = range) => {
  const res = await t.request(
    'GET',
    `/api/v1/workspaces/stats/analytics?${query}&group_by=${groupBy}`,
    { token: key },
  );
  expect(res.status).toBe(200);
  return { cache: res.headers.get('x-cache'), body: (await res.json()) as Record<string, unknown> };
};
async function metricValue(prefix: string, ...labels: string[]): Promise<number> {
  const text = await (await t.request('GET', '/metrics')).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(prefix) && labels.every((label) => l.includes(label)));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('analytics', () => {
  it('sums events, credits and distinct users per agent in the range', async () => {
    const { body } = await analytics('agent');
    expect(body).toMatchObject({
      workspace_id: 'stats',
      from: '2026-11-18T00:00:00.000Z',
      to: '2026-11-21T00:00:00.000Z',
      total_events: 5,
      total_credits: 43,
      unique_users: 3,
      groups: [
        { key: 'bot-a', events: 3, credits: 22, users: 2 },
        { key: 'bot-b', events: 2, credits: 21, users: 2 },
      ],
    });
  });

  it('groups by UTC day', async () => {
    const { body } = await analytics('day');
    expect(body.groups).toEqual([
      { key: '2026-11-18', events: 2, credits: 15, users: 2 },
      { key: '2026-11-19', events: 2, credits: 21, users: 2 },
      { key: '2026-11-20', events: 1, credits: 7, users: 1 },
    ]);
  });

  it('groups by event type', async () => {
    const { body } = await analytics('type');
    expect(body.groups).toEqual([
      { key: 'chat.completion', events: 3, credits: 37, users: 2 },
      { key: 'embedding', events: 1, credits: 5, users: 1 },
      { key: 'tool.call', events: 1, credits: 1, users: 1 },
    ]);
  });

  it('answers the same query from the cache the second time, and counts hits and misses', async () => {
    const query = 'from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z';
    const hits = await metricValue('cache_operations_total', 'operation="get"', 'result="hit"');
    const misses = await metricValue('cache_operations_total', 'operation="get"', 'result="miss"');
    const first = await analytics('agent', query);
    const second = await analytics('agent', query);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.body).toEqual({ ...first.body, cached: true });
    expect(await metricValue('cache_operations_total', 'operation="get"', 'result="hit"')).toBe(
      hits + 1,
    );
    expect(await metricValue('cache_operations_total', 'operation="get"', 'result="miss"')).toBe(
      misses + 1,
    );
  });

  it('misses the cache after new events, and includes them', async () => {
    const query = 'from=2026-11-18T00:00:00Z&to=2026-11-19T00:00:00Z';
    await analytics('type', query);
    expect((await analytics('type', query)).cache).toBe('hit');
    await t.request('POST', '/api/v1/workspaces/stats/events', {
      token: key,
      body: {
        events: [usageEvent({ id: 'late', credits: 1000, occurred_at: '2026-11-18T20:00:00Z' })],
      },
    });
    const after = await analytics('type', query);
    expect(after.cache).toBe('miss');
    expect(after.body.total_credits).toBe(1015);
    // A re-sent event changes nothing, so the cache stays valid.
    await t.request('POST', '/api/v1/workspaces/stats/events', {
      token: key,
      body: {
        events: [usageEvent({ id: 'late', credits: 1000, occurred_at: '2026-11-18T20:00:00Z' })],
      },
    });
    expect((await analytics('type', query)).cache).toBe('hit');
  });

  it('records a calculate_analytics span for each query', async () => {
    await t.service.obs.tracing.forceFlush();
    t.service.obs.tracing.memory!.reset();
    await analytics('day', 'from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z');
    await t.service.obs.tracing.forceFlush();
    const spans = t.service.obs.tracing.memory!.getFinishedSpans();
    const span = spans.find((s) => s.name === 'calculate_analytics');
    expect(span?.attributes).toMatchObject({
      'workspace.id': 'stats',
      'analytics.group_by': 'day',
      'analytics.cached': false,
    });
    const server = spans.find((s) => s.name === 'GET /api/v1/workspaces/:workspaceId/analytics');
    expect(span?.spanContext().traceId).toBe(server?.spanContext().traceId);
  });

  it('rejects an empty range and an unknown grouping with 422', async () => {
    const empty = await t.request(
      'GET',
      '/api/v1/workspaces/stats/analytics?from=2026-11-20T00:00:00Z&to=2026-11-19T00:00:00Z',
      { token: key },
    );
    expect(empty.status).toBe(422);
    expect(((await empty.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('from');
    const impossible = await t.request(
      'GET',
      '/api/v1/workspaces/stats/analytics?from=2026-13-45T00:00:00Z',
      { token: key },
    );
    expect(impossible.status).toBe(422);
    expect(((await impossible.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'from',
    );
    const grouping = await t.request('GET', '/api/v1/workspaces/stats/analytics?group_by=hour', {
      token: key,
    });
    expect(grouping.status).toBe(422);
    expect(((await grouping.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe(
      'group_by',
    );
  });
});

describe('active users and credits', () => {
  it.each([
    ['5m', 1],
    ['1h', 2],
    ['24h', 3],
  ])('counts distinct users with an event in the last %s', async (window, users) => {
    const res = await t.request('GET', `/api/v1/workspaces/live/active-users?window=${window}`, {
      token: liveKey,
    });
    expect(await res.json()).toMatchObject({ workspace_id: 'live', window, active_users: users });
  });

  it('sums credits per agent over the range', async () => {
    const res = await t.request('GET', `/api/v1/workspaces/stats/credits?${range}`, {
      token: key,
    });
    expect(await res.json()).toMatchObject({
      total_credits: 1043,
      events: 6,
      by_agent: [
        { agent_id: 'bot-a', credits: 1022, events: 4 },
        { agent_id: 'bot-b', credits: 21, events: 2 },
      ],
    });
  });
});

describe('the rollup job', () => {
  it('computes daily rollups per agent and type, refreshes active users, and counts the run', async () => {
    const runs = await metricValue(
      'background_jobs_total',
      'job_type="rollup"',
      'status="success"',
    );
    const res = await t.request('POST', '/api/v1/jobs/rollup', { token: ADMIN });
    expect(res.status).toBe(200);
    // Only `live` has users in the last hour.
    expect(await res.json()).toMatchObject({ trigger: 'manual', workspaces: 1 });
    const rollups = await t.service.storage.repo.dailyRollups('stats');
    expect(rollups).toEqual([
      {
        day: '2026-11-10',
        agent_id: 'bot-a',
        type: 'chat.completion',
        events: 1,
        credits: 100,
        users: 1,
      },
      {
        day: '2026-11-18',
        agent_id: 'bot-a',
        type: 'chat.completion',
        events: 2,
        credits: 1010,
        users: 2,
      },
      { day: '2026-11-18', agent_id: 'bot-a', type: 'embedding', events: 1, credits: 5, users: 1 },
      {
        day: '2026-11-19',
        agent_id: 'bot-b',
        type: 'chat.completion',
        events: 1,
        credits: 20,
        users: 1,
      },
      { day: '2026-11-19', agent_id: 'bot-b', type: 'tool.call', events: 1, credits: 1, users: 1 },
      {
        day: '2026-11-20',
        agent_id: 'bot-a',
        type: 'chat.completion',
        events: 1,
        credits: 7,
        users: 1,
      },
    ]);
    expect(
      await metricValue('background_jobs_total', 'job_type="rollup"', 'status="success"'),
    ).toBe(runs + 1);
    expect(await metricValue('analytics_active_users', 'workspace_id="live"')).toBe(2);
  });

  it('updates only the days that received events since its last run', async () => {
    await t.request('POST', '/api/v1/workspaces/stats/events', {
      token: key,
      body: {
        events: [usageEvent({ id: 'new-day', credits: 2, occurred_at: '2026-11-21T08:00:00Z' })],
      },
    });
    const res = await t.request('POST', '/api/v1/jobs/rollup', { token: ADMIN });
    expect(await res.json()).toMatchObject({ days: 1, rows: 1 });
    const rollups = await t.service.storage.repo.dailyRollups('stats');
    expect(rollups.at(-1)).toEqual({
      day: '2026-11-21',
      agent_id: 'bot-a',
      type: 'chat.completion',
      events: 1,
      credits: 2,
      users: 1,
    });
  });
});
