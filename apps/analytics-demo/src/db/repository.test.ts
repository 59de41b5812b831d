// The same tests for both databases: SQLite always, PostgreSQL where it is installed (CI installs
// it; scripts/install-test-deps.sh). Each backend starts empty and is migrated first.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { notInstalled, startPostgres, type RealServer } from '../../../../scripts/real-servers';
import type { Db } from './db';
import { migrate, MIGRATIONS } from './migrations';
import { openPostgres } from './postgres';
import { Repository, type UsageEvent } from './repository';
import { openSqlite } from './sqlite';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-18T00:00:00Z');

function event(
  id: string,
  user: string,
  agent: string,
  type: string,
  credits: number,
  at: number,
): UsageEvent {
  return { id, user_id: user, agent_id: agent, type, credits, occurred_at: at };
}

const KNOWN = [
  event('e1', 'u1', 'bot-a', 'chat', 10, T0 + 10 * 3_600_000),
  event('e2', 'u2', 'bot-a', 'embed', 5, T0 + 12 * 3_600_000),
  event('e3', 'u1', 'bot-b', 'chat', 20, T0 + DAY + 9 * 3_600_000),
  event('e4', 'u3', 'bot-b', 'tool', 1, T0 + 2 * DAY - 1000),
  event('e5', 'u2', 'bot-a', 'chat', 7, T0 + 2 * DAY),
];

let server: RealServer | undefined;
afterAll(() => server?.stop());

const backends: [string, () => Promise<Db | undefined>][] = [
  ['SQLite', () => Promise.resolve(openSqlite(':memory:'))],
  [
    'PostgreSQL',
    async () => {
      server = await startPostgres();
      return server && openPostgres(server.url, { max: 4 });
    },
  ],
];

describe.each(backends)('the repository on %s', (name, open) => {
  let db: Db | undefined;
  let repo: Repository;
  beforeAll(async () => {
    db = await open();
    if (!db) return;
    repo = new Repository(db);
    await migrate(db);
    await repo.createWorkspace({ id: 'acme', name: 'Acme', owner_user_id: 'alice' }, 'hash-acme');
    await repo.createWorkspace(
      { id: 'globex', name: 'Globex', owner_user_id: 'bob' },
      'hash-globex',
    );
    for (const agent of ['bot-a', 'bot-b'])
      await repo.createAgent('acme', { id: agent, name: agent });
    await repo.insertEvents('acme', KNOWN, T0 + 3 * DAY);
  }, 90_000);
  afterAll(() => db?.close());

  /** Runs `body` when the backend is available; outside CI a missing server skips with a warning. */
  const test = (title: string, body: () => Promise<void>) =>
    it(title, async () => {
      if (!db) {
        notInstalled(`${name} server`);
        return;
      }
      await body();
    });

  test('applies each migration once', async () => {
    expect(await migrate(db!)).toBe(0);
    const rows = await db!.query<{ version: number | string }>(
      'SELECT version FROM schema_migrations',
    );
    expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  test('creates a workspace once and finds its principal by key hash', async () => {
    expect(
      await repo.createWorkspace({ id: 'acme', name: 'Again', owner_user_id: 'x' }, 'hash-other'),
    ).toBeUndefined();
    expect(await repo.principal('hash-acme')).toEqual({ workspace_id: 'acme', user_id: 'alice' });
    expect(await repo.principal('hash-other')).toBeUndefined();
    expect((await repo.listWorkspaces(10, 0)).map((w) => w.id)).toEqual(['acme', 'globex']);
    expect(await repo.getWorkspace('acme')).toMatchObject({ name: 'Acme', owner_user_id: 'alice' });
  });

  test('keeps agents per workspace', async () => {
    expect(await repo.createAgent('acme', { id: 'bot-a', name: 'dup' })).toBeUndefined();
    expect(await repo.createAgent('globex', { id: 'bot-a', name: 'theirs' })).toMatchObject({
      id: 'bot-a',
    });
    expect([...(await repo.knownAgents('acme', ['bot-a', 'bot-z', 'bot-b']))].sort()).toEqual([
      'bot-a',
      'bot-b',
    ]);
    expect((await repo.listAgents('acme')).map((a) => a.id)).toEqual(['bot-a', 'bot-b']);
  });

  test('stores only the events it has not seen, and says which', async () => {
    const again = await repo.insertEvents('acme', [
      KNOWN[0]!,
      event('e6', 'u4', 'bot-b', 'chat', 3, T0 - DAY),
    ]);
    expect(again.map((e) => e.id)).toEqual(['e6']);
    // The same id in another workspace is another event.
    expect(
      await repo.insertEvents('globex', [event('e1', 'u1', 'bot-a', 'chat', 1, T0)]),
    ).toHaveLength(1);
  });

  test('stores a batch of more than one chunk', async () => {
    const many = Array.from({ length: 1100 }, (_, i) =>
      event(`bulk-${i}`, `u${i % 9}`, 'bot-a', 'bulk', 1, T0 - 5 * DAY),
    );
    expect(await repo.insertEvents('globex', many)).toHaveLength(1100);
    expect(await repo.analytics('globex', T0 - 6 * DAY, T0 - 4 * DAY, 'type')).toMatchObject({
      total_events: 1100,
      unique_users: 9,
    });
  });

  test('stores nothing of a batch that fails part-way', async () => {
    const good = event('atomic-1', 'u1', 'bot-a', 'chat', 1, T0);
    const bad = {
      ...event('atomic-2', 'u1', 'bot-a', 'chat', 1, T0),
      user_id: null,
    } as unknown as UsageEvent;
    const outcome = await repo.insertEvents('acme', [good, bad]).then(
      (stored) => ({ stored }),
      (err: unknown) => ({ rejected: String(err) }),
    );
    expect(outcome).toEqual({ rejected: expect.stringMatching(/null/i) });
    const rows = await db!.query("SELECT id FROM events WHERE id LIKE 'atomic-%'");
    expect(rows).toEqual([]);
    // The connection is usable afterwards.
    expect(await repo.insertEvents('acme', [good])).toHaveLength(1);
  });

  test('computes analytics per agent, day and type with totals', async () => {
    const from = T0;
    const to = T0 + 3 * DAY;
    const byAgent = await repo.analytics('acme', from, to, 'agent');
    expect(byAgent).toEqual({
      total_events: 6,
      total_credits: 44,
      unique_users: 3,
      groups: [
        { key: 'bot-a', events: 4, credits: 23, users: 2 },
        { key: 'bot-b', events: 2, credits: 21, users: 2 },
      ],
    });
    expect((await repo.analytics('acme', from, to, 'day')).groups).toEqual([
      { key: '2026-11-18', events: 3, credits: 16, users: 2 },
      { key: '2026-11-19', events: 2, credits: 21, users: 2 },
      { key: '2026-11-20', events: 1, credits: 7, users: 1 },
    ]);
    expect((await repo.analytics('acme', from, to, 'type')).groups.map((g) => g.key)).toEqual([
      'chat',
      'embed',
      'tool',
    ]);
    expect(await repo.analytics('acme', to, to + DAY, 'agent')).toEqual({
      total_events: 0,
      total_credits: 0,
      unique_users: 0,
      groups: [],
    });
  });

  test('counts active users and credits', async () => {
    expect(await repo.activeUsers('acme', T0 + DAY)).toBe(3);
    expect(await repo.activeUsers('acme', T0 + 2 * DAY)).toBe(1);
    expect((await repo.activeUsersByWorkspace(T0 + DAY)).get('acme')).toBe(3);
    expect(await repo.credits('acme', T0, T0 + DAY)).toEqual({
      total_credits: 16,
      events: 3,
      by_agent: [{ agent_id: 'bot-a', credits: 16, events: 3 }],
    });
  });

  test('keeps exact ranges that start and end inside days, and at midnight', async () => {
    const total = async (from: number, to: number) =>
      (await repo.analytics('acme', from, to, 'agent')).total_events;
    expect(await total(T0 + 11 * 3_600_000, T0 + DAY + 9 * 3_600_000)).toBe(1); // e2 only
    expect(await total(T0 + 2 * DAY - 1000, T0 + 2 * DAY)).toBe(1); // e4, the day's last second
    expect(await total(T0 + 2 * DAY - 999, T0 + 2 * DAY + 1)).toBe(1); // e5, at midnight
    expect(await total(T0 + 2 * DAY, T0 + 2 * DAY)).toBe(0); // empty range
    expect((await repo.credits('acme', T0 + 2 * DAY - 1000, T0 + 2 * DAY + 1)).events).toBe(2);
    expect(await repo.activeUsers('acme', T0 + 2 * DAY - 1000)).toBe(2);
  });

  test('finds a range of events through the by-day index, not by reading the table', async () => {
    if (db!.dialect !== 'sqlite') return; // PostgreSQL's planner reads tables this small whole
    const plan = await db!.query<{ detail: string }>(
      'EXPLAIN QUERY PLAN SELECT COUNT(*) FROM events WHERE workspace_id = ? AND day >= ? AND day <= ? AND occurred_at >= ? AND occurred_at < ?',
      ['acme', '2026-11-18', '2026-11-19', T0, T0 + DAY],
    );
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX events_by_day/);
  });

  test('rolls up the days that received events since their last rollup, once', async () => {
    const first = await repo.rollup(T0 + 4 * DAY);
    expect(first.days).toBeGreaterThanOrEqual(4);
    const rollups = await repo.dailyRollups('acme');
    expect(rollups.find((r) => r.day === '2026-11-19' && r.type === 'chat')).toEqual({
      day: '2026-11-19',
      agent_id: 'bot-b',
      type: 'chat',
      events: 1,
      credits: 20,
      users: 1,
    });
    expect(await repo.rollup()).toEqual({ days: 0, rows: 0 });
    await repo.insertEvents('acme', [event('late-1', 'u9', 'bot-a', 'chat', 2, T0 + 30_000)]);
    expect(await repo.rollup()).toEqual({ days: 1, rows: 2 });
    expect(
      (await repo.dailyRollups('acme')).find((r) => r.day === '2026-11-18' && r.type === 'chat'),
    ).toMatchObject({ events: 3, credits: 13, users: 2 });
  });

  test("bumps the workspace's data version only when a batch stores something", async () => {
    const before = (await repo.dataVersion('globex'))!;
    await repo.insertEvents('globex', [event('v-1', 'u1', 'bot-a', 'chat', 1, T0)]);
    expect(await repo.dataVersion('globex')).toBe(before + 1);
    await repo.insertEvents('globex', [event('v-1', 'u1', 'bot-a', 'chat', 1, T0)]);
    expect(await repo.dataVersion('globex')).toBe(before + 1);
    expect(await repo.dataVersion('nobody')).toBeUndefined();
  });

  test('runs two rollups of the same days at once without conflict, and both agree', async () => {
    for (let round = 0; round < 5; round++) {
      await db!.execute(
        'INSERT INTO dirty_days (workspace_id, day) SELECT DISTINCT workspace_id, day FROM events WHERE true ON CONFLICT (workspace_id, day) DO NOTHING',
      );
      await Promise.all([repo.rollup(), repo.rollup()]);
    }
    const rollups = await repo.dailyRollups('acme');
    expect(new Set(rollups.map((r) => `${r.day}/${r.agent_id}/${r.type}`)).size).toBe(
      rollups.length,
    );
  });

  test('keeps alerts, updating each by id, newest change first', async () => {
    await repo.saveAlert(
      { id: 'a1', name: 'HighErrorRate', state: 'firing', severity: 'critical' },
      1000,
    );
    await repo.saveAlert(
      { id: 'a2', name: 'LowCacheHitRate', state: 'pending', severity: 'warning' },
      2000,
    );
    await repo.saveAlert(
      { id: 'a1', name: 'HighErrorRate', state: 'resolved', severity: 'critical' },
      3000,
    );
    expect(await repo.alertHistory(10)).toEqual([
      { id: 'a1', name: 'HighErrorRate', state: 'resolved', severity: 'critical' },
      { id: 'a2', name: 'LowCacheHitRate', state: 'pending', severity: 'warning' },
    ]);
    expect(await repo.alertHistory(1)).toHaveLength(1);
  });

  test("keeps a transaction's writes from other callers until it commits", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const written = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db!.transaction(async (tx) => {
      await tx.execute(
        "INSERT INTO agents (workspace_id, id, name, created_at) VALUES ('globex', 'tx-agent', 'x', 0)",
      );
      inserted();
      await held;
    });
    await written; // the transaction holds its uncommitted write now
    const during = await Promise.race([
      repo
        .knownAgents('globex', ['tx-agent'])
        .then((known) => (known.has('tx-agent') ? 'seen' : 'not seen')),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 50)),
    ]);
    // SQLite makes the reader wait for the transaction; PostgreSQL answers from before it.
    expect(['not seen', 'waiting']).toContain(during);
    release();
    await transaction;
    expect((await repo.knownAgents('globex', ['tx-agent'])).has('tx-agent')).toBe(true);
  });

  test('reports its connections', () => {
    const pool = db!.pool();
    expect(pool.total).toBeLessThanOrEqual(pool.max);
    expect(pool.active + pool.idle).toBeLessThanOrEqual(pool.max);
    expect(pool.waiting).toBe(0);
    return Promise.resolve();
  });
});
