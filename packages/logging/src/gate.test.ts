import { describe, expect, it } from '@jest/globals';
import { runWithContext } from '@obs/core';
import { createLogger, memoryDestination, type LoggerOptions } from './index';
import { Gate, type Suppressed } from './gate';

function setup(options: LoggerOptions) {
  const sink = memoryDestination({ limit: 10_000 });
  const logger = createLogger({ destination: sink, level: 'trace', ...options });
  return { sink, logger };
}

describe('sampling', () => {
  it('keeps about the given share of info records, decided per request', () => {
    const { sink, logger } = setup({ sampling: { info: 0.3 } });
    for (let r = 0; r < 2000; r++) {
      runWithContext({ requestId: `req-${r}` }, () => {
        logger.info('one');
        logger.info('two');
      });
    }
    const records = sink.records();
    const perRequest = new Map<unknown, number>();
    for (const rec of records)
      perRequest.set(rec.request_id, (perRequest.get(rec.request_id) ?? 0) + 1);
    // a kept request keeps both of its lines
    expect([...perRequest.values()].every((n) => n === 2)).toBe(true);
    expect(perRequest.size).toBeGreaterThan(480);
    expect(perRequest.size).toBeLessThan(720);
    expect(logger.stats().sampledOut).toBe(4000 - records.length);
  });

  it('never samples warn and above, and samples records outside a request at random', () => {
    const { sink, logger } = setup({ sampling: { trace: 0, debug: 0, info: 0 } });
    for (let i = 0; i < 100; i++) {
      logger.info('gone');
      logger.warn('kept');
      logger.fatal('kept');
    }
    expect(sink.records().map((r) => r.level)).toEqual(
      Array.from({ length: 100 }, () => ['warn', 'fatal']).flat(),
    );
  });

  it('rejects rates outside 0..1 and levels that cannot be sampled', () => {
    expect(() => createLogger({ sampling: { info: 1.5 } })).toThrow(
      expect.objectContaining({ option: 'sampling.info' }),
    );
    expect(() => createLogger({ sampling: { warn: 0.5 } as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});

describe('throttle', () => {
  it('writes at most `limit` records per key value per window and summarizes the rest in one record', async () => {
    const { sink, logger } = setup({
      throttle: [{ key: 'workspace_id', limit: 10, windowMs: 60_000, levels: ['error'] }],
    });
    for (let i = 0; i < 240; i++) {
      runWithContext({ workspaceId: 'w1' }, () => logger.error('payment failed', { i }));
    }
    for (let i = 0; i < 5; i++) logger.error('other workspace', { workspace_id: 'w2' });
    for (let i = 0; i < 30; i++)
      runWithContext({ workspaceId: 'w1' }, () => logger.info('not throttled'));
    expect(logger.stats().throttled).toBe(230);
    await logger.close();
    const records = sink.records();
    expect(records.filter((r) => r.message === 'payment failed')).toHaveLength(10);
    expect(records.filter((r) => r.message === 'other workspace')).toHaveLength(5);
    expect(records.filter((r) => r.message === 'not throttled')).toHaveLength(30);
    const summaries = records.filter((r) => String(r.message).startsWith('suppressed'));
    expect(summaries).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'suppressed 230 records for workspace_id=w1',
        throttle_key: 'workspace_id',
        throttle_value: 'w1',
        suppressed: 230,
        window_ms: 60_000,
      }),
    ]);
  });

  it('spends no rule’s budget on a record another rule holds back', () => {
    const { sink, logger } = setup({
      throttle: [
        { key: 'workspace_id', limit: 5 },
        { key: 'user_id', limit: 1 },
      ],
    });
    for (let i = 0; i < 10; i++) logger.info('u1 in w1', { workspace_id: 'w1', user_id: 'u1' });
    logger.info('u2 in w1', { workspace_id: 'w1', user_id: 'u2' });
    expect(sink.records().map((r) => r.message)).toEqual(['u1 in w1', 'u2 in w1']);
  });

  it('reads the key from fields, then bindings, then the context', () => {
    const { sink, logger } = setup({ throttle: [{ key: 'tenant', limit: 1 }] });
    const bound = logger.child({ tenant: 't-bound' });
    bound.info('a');
    bound.info('b');
    bound.info('c', { tenant: 't-field' });
    logger.info('no key at all');
    logger.info('no key at all');
    expect(sink.records().map((r) => r.message)).toEqual([
      'a',
      'c',
      'no key at all',
      'no key at all',
    ]);
  });
});

describe('Gate windows', () => {
  it('start a new window after windowMs and report each finished one', () => {
    let now = 0;
    const reports: Suppressed[] = [];
    const gate = new Gate(
      {},
      [{ key: 'k', limit: 2, windowMs: 1000 }],
      (s) => reports.push(s),
      () => now,
    );
    const allow = () => gate.allow('error', { k: 'v' }, {});
    expect([allow(), allow(), allow(), allow()]).toEqual([true, true, false, false]);
    now = 999;
    expect(allow()).toBe(false);
    now = 1000;
    expect(allow()).toBe(true);
    expect(reports).toEqual([{ key: 'k', value: 'v', suppressed: 3, windowMs: 1000 }]);
    gate.close();
    expect(reports).toHaveLength(1); // the new window suppressed nothing
  });

  it('reports on the sweep timer without waiting for another record', () => {
    let now = 0;
    const reports: Suppressed[] = [];
    const gate = new Gate(
      {},
      [{ key: 'k', limit: 1, windowMs: 1000 }],
      (s) => reports.push(s),
      () => now,
    );
    gate.allow('info', { k: 'x' }, {});
    gate.allow('info', { k: 'x' }, {});
    now = 1500;
    gate.sweep();
    expect(reports).toEqual([{ key: 'k', value: 'x', suppressed: 1, windowMs: 1000 }]);
    gate.close();
  });

  it('keeps memory bounded under a flood of distinct values', () => {
    const gate = new Gate({}, [{ key: 'k', limit: 1 }], () => undefined);
    for (let i = 0; i < 50_000; i++) gate.allow('info', { k: `v${i}` }, {});
    // 10,000 values tracked, the rest share one overflow bucket that admits a single record
    expect(gate.throttled).toBe(50_000 - 10_001);
    gate.close();
  });
});
