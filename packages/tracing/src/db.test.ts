import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind } from '@opentelemetry/api';
import { traceCache, traceDb, sanitizeSql } from './db';
import { initTracing, type Tracing } from './init';

let t: Tracing;
beforeAll(() => {
  t = initTracing({ exporter: 'memory', processor: 'simple', sampleRatio: 1 });
});
afterAll(() => t.shutdown());
beforeEach(() => t.memory!.reset());
const spans = () => t.memory!.getFinishedSpans();

describe('sanitizeSql', () => {
  it.each([
    [
      `SELECT * FROM users WHERE email = 'a@b.c' AND age > 42`,
      'SELECT * FROM users WHERE email = ? AND age > ?',
    ],
    [
      `INSERT INTO events (id, credits) VALUES ('e1', 12.5), ('e2', 1e3)`,
      'INSERT INTO events (id, credits) VALUES (?, ?), (?, ?)',
    ],
    [
      `SELECT user_id, col1 FROM t2 WHERE id = $1 AND name = 'it''s'`,
      'SELECT user_id, col1 FROM t2 WHERE id = $1 AND name = ?',
    ],
    [`UPDATE k SET v = 0xFF, body = $$secret$$`, 'UPDATE k SET v = ?, body = ?'],
    [
      `SELECT * FROM t WHERE n = 'O\\'Brien' AND m = E'a\\'b c'`,
      'SELECT * FROM t WHERE n = ? AND m = ?',
    ],
    [`SELECT $t$secret$t$, 0b1010, 1_000 -- by alice@example.com`, 'SELECT ?, ?, ? '],
    [
      `SELECT /* user 42 */ * FROM users WHERE email = "alice@example.com"`,
      'SELECT  * FROM users WHERE email = ?',
    ],
  ])('%s → %s', (statement, expected) => {
    expect(sanitizeSql(statement)).toBe(expected);
  });

  it('keeps double-quoted identifiers where they are identifiers (PostgreSQL)', () => {
    expect(sanitizeSql(`SELECT "user_id" FROM t WHERE id = 7`, 'postgresql')).toBe(
      'SELECT "user_id" FROM t WHERE id = ?',
    );
  });
});

describe('traceDb and traceCache', () => {
  it('wraps a query in a CLIENT span with the database conventions, its literals gone', async () => {
    const rows = await traceDb(
      {
        system: 'postgresql',
        statement: `SELECT * FROM events WHERE workspace_id = 'w1'`,
        collection: 'events',
        namespace: 'analytics',
      },
      () => Promise.resolve([{ id: 1 }]),
    );
    expect(rows).toEqual([{ id: 1 }]);
    expect(spans()[0]).toMatchObject({
      name: 'SELECT events',
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system.name': 'postgresql',
        'db.operation.name': 'SELECT',
        'db.query.text': 'SELECT * FROM events WHERE workspace_id = ?',
        'db.collection.name': 'events',
        'db.namespace': 'analytics',
      },
    });
  });

  it('records cache hits and misses on reads, and never the key', async () => {
    traceCache({ system: 'memory', operation: 'get', collection: 'analytics' }, () => undefined);
    await traceCache({ system: 'redis', operation: 'get' }, () => Promise.resolve('cached'));
    traceCache({ system: 'redis', operation: 'set' }, () => 'OK');
    const [miss, hit, set] = spans();
    expect(miss).toMatchObject({
      name: 'GET analytics',
      attributes: { 'db.system.name': 'memory', 'cache.hit': false },
    });
    expect(hit!.attributes['cache.hit']).toBe(true);
    expect(set!.attributes['cache.hit']).toBeUndefined();
    expect(set!.attributes['db.operation.name']).toBe('SET');
  });
});
