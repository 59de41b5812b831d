import { describe, expect, it, jest } from '@jest/globals';
import { aggregate, createHealth, type CheckResult, type HealthStatus } from './health';

describe('aggregate', () => {
  const statuses: HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];
  const cases: [HealthStatus, boolean, HealthStatus, boolean, HealthStatus][] = [];
  // Every pair of (status, critical) checks, and what the service is then.
  for (const a of statuses)
    for (const ac of [true, false])
      for (const b of statuses)
        for (const bc of [true, false]) {
          const effective = (s: HealthStatus, critical: boolean) =>
            s === 'unhealthy' && !critical ? 'degraded' : s;
          const rank = { healthy: 0, degraded: 1, unhealthy: 2 };
          const worst = [effective(a, ac), effective(b, bc)].sort((x, y) => rank[y] - rank[x])[0]!;
          cases.push([a, ac, b, bc, worst]);
        }

  it.each(cases)('%s (critical %s) + %s (critical %s) → %s', (a, ac, b, bc, expected) => {
    expect(
      aggregate([
        { status: a, critical: ac },
        { status: b, critical: bc },
      ]),
    ).toBe(expected);
  });

  it('spells out the rules', () => {
    expect(aggregate([])).toBe('healthy');
    expect(aggregate([{ status: 'unhealthy', critical: true }])).toBe('unhealthy');
    expect(aggregate([{ status: 'unhealthy', critical: false }])).toBe('degraded');
    expect(aggregate([{ status: 'degraded', critical: true }])).toBe('degraded');
  });
});

describe('createHealth', () => {
  it('reports every check with latency, and the service identity', async () => {
    const health = createHealth({
      service: { name: 'analytics', version: '1.2.0', environment: 'test' },
    });
    health.register('database', () => true);
    health.register('cache', () => ({ status: 'degraded', details: { hit_rate: 0.2 } }), {
      critical: false,
    });
    health.register(
      'queue',
      () => {
        throw new Error('connect ECONNREFUSED amqp://jobs:s3cret@mq:5672');
      },
      { critical: false },
    );
    const report = await health.report();
    expect(report).toMatchObject({
      status: 'degraded',
      service: 'analytics',
      version: '1.2.0',
      environment: 'test',
      checks: {
        database: { status: 'healthy', critical: true },
        cache: { status: 'degraded', details: { hit_rate: 0.2 } },
        queue: { status: 'unhealthy', error: 'connect ECONNREFUSED amqp://jobs:REDACTED@mq:5672' },
      },
    });
    expect(report.checks.database!.latency_ms).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(report)).not.toMatch(/s3cret|at .*\.ts/);
  });

  it('times a hung check out at its limit without hanging the report', async () => {
    jest.useFakeTimers();
    try {
      const health = createHealth();
      health.register('hung', () => new Promise<boolean>(() => undefined), { timeoutMs: 100 });
      let settled = false;
      const pending = health.report().finally(() => (settled = true));
      await jest.advanceTimersByTimeAsync(99);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      const report = await pending;
      expect(report.checks.hung).toMatchObject({
        status: 'unhealthy',
        error: 'timed out after 100 ms',
        latency_ms: 100,
      });
      expect(report.status).toBe('unhealthy');
    } finally {
      jest.useRealTimers();
    }
  });

  it('aborts a timed-out call, and the next run starts a fresh call instead of waiting on the hung one', async () => {
    jest.useFakeTimers();
    try {
      const health = createHealth();
      const signals: (AbortSignal | undefined)[] = [];
      // The first call hangs until it is aborted (a fetch or a cancellable query); later ones answer.
      const check = jest.fn((signal?: AbortSignal) => {
        signals.push(signal);
        if (signals.length > 1) return true;
        return new Promise<boolean>((_, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason as Error)),
        );
      });
      health.register('database', check, { timeoutMs: 100 });
      const first = health.run('database');
      await jest.advanceTimersByTimeAsync(100);
      expect(await first).toMatchObject({ status: 'unhealthy', error: 'timed out after 100 ms' });
      expect(signals[0]?.aborted).toBe(true);
      const second = health.run('database');
      await jest.advanceTimersByTimeAsync(100); // the old code waited here on the hung call again
      expect(await second).toMatchObject({ status: 'healthy' });
      expect(check).toHaveBeenCalledTimes(2);
      expect(signals[1]?.aborted).toBe(false);
    } finally {
      jest.useRealTimers();
    }
  });

  it('calls a check afresh after a call that ignores the abort hangs, and stops at a second hung call until one settles', async () => {
    jest.useFakeTimers();
    try {
      const health = createHealth();
      const settles: ((ok: boolean) => void)[] = [];
      let answers = true;
      // Ignores the abort, as a pg query or a Redis PING does: a call hangs until it settles.
      const check = jest.fn(() =>
        answers ? new Promise<boolean>((resolve) => settles.push(resolve)) : true,
      );
      health.register('database', check, { timeoutMs: 100 });
      const timedOut = { status: 'unhealthy', error: 'timed out after 100 ms' };
      const first = health.run('database');
      await jest.advanceTimersByTimeAsync(100);
      expect(await first).toMatchObject(timedOut);
      // One stuck call does not keep the service unready: the next run calls again.
      const second = health.run('database');
      await jest.advanceTimersByTimeAsync(100);
      expect(await second).toMatchObject(timedOut);
      expect(check).toHaveBeenCalledTimes(2);
      // Two stuck calls: no third on top of them; runs say so at once.
      for (let i = 0; i < 3; i++) {
        expect(await health.run('database')).toMatchObject({
          status: 'unhealthy',
          error:
            '2 calls timed out after 100 ms and are still outstanding; not called again until one settles',
          latency_ms: 0,
        });
      }
      expect(check).toHaveBeenCalledTimes(2);
      // One ends at last (its stale answer is not used): the check is called again, and recovers.
      answers = false;
      settles[0]!(false);
      await jest.advanceTimersByTimeAsync(0);
      expect(await health.run('database')).toMatchObject({ status: 'healthy' });
      expect(check).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });

  it('recovers when the dependency answers again while an earlier call still hangs', async () => {
    jest.useFakeTimers();
    try {
      const health = createHealth();
      let calls = 0;
      // The first call never settles, whatever the signal says; the dependency then recovers.
      const check = jest.fn(() => (++calls === 1 ? new Promise<boolean>(() => {}) : true));
      health.register('database', check, { timeoutMs: 100 });
      const first = health.run('database');
      await jest.advanceTimersByTimeAsync(100);
      expect(await first).toMatchObject({ status: 'unhealthy', error: 'timed out after 100 ms' });
      expect(await health.run('database')).toMatchObject({ status: 'healthy' });
      expect(await health.report()).toMatchObject({ status: 'healthy' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('redacts details by key, and credentials in any string of them', async () => {
    const health = createHealth();
    health.register('database', () => ({
      status: 'healthy',
      details: {
        dsn: 'postgres://app:pw-one@db/x',
        password: 'pw-two',
        note: 'reached https://user:pw-three@api.example/v1?access_token=pw-four after a retry',
        replicas: [{ url: 'redis://:pw-five@cache:6379/0', lag_ms: 3 }],
        pool: { api_key: 'pw-six', size: 10 },
      },
    }));
    const result = await health.run('database');
    expect(JSON.stringify(result)).not.toMatch(/pw-/);
    expect(result.details).toEqual({
      dsn: 'postgres://app:REDACTED@db/x',
      password: '[REDACTED]',
      note: 'reached https://user:REDACTED@api.example/v1?access_token=REDACTED after a retry',
      replicas: [{ url: 'redis://:REDACTED@cache:6379/0', lag_ms: 3 }],
      pool: { api_key: '[REDACTED]', size: 10 },
    });
  });

  it('reports a thrown value whose toString throws, instead of failing the report', async () => {
    const health = createHealth();
    health.register('odd', () => {
      throw Object.create(null) as Error;
    });
    expect((await health.report()).checks.odd).toMatchObject({
      status: 'unhealthy',
      error: '[object Object]',
    });
  });

  it('runs checks concurrently', async () => {
    // Every check waits on one gate that opens only after all four have started: run one after
    // another, the first would finish before the second started.
    const health = createHealth();
    const started: string[] = [];
    const startedBeforeFinishing: number[] = [];
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    for (const name of ['a', 'b', 'c', 'd'])
      health.register(
        name,
        async () => {
          started.push(name);
          await gate;
          startedBeforeFinishing.push(started.length);
          return true;
        },
        { timeoutMs: 60_000 },
      );
    const report = health.report();
    await new Promise(setImmediate); // every check started at once has started by now
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    open();
    expect((await report).status).toBe('healthy');
    expect(startedBeforeFinishing).toEqual([4, 4, 4, 4]);
  });

  it('shares one run among concurrent callers, and reuses a result for cacheMs', async () => {
    const health = createHealth();
    const check = jest.fn(
      () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 50)),
    );
    health.register('database', check, { cacheMs: 60_000 });
    await Promise.all(Array.from({ length: 200 }, () => health.report()));
    await health.run('database');
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('calls onResult with every fresh result (for health_check_status metrics)', async () => {
    const seen: [string, CheckResult][] = [];
    const health = createHealth({ onResult: (name, result) => seen.push([name, result]) });
    health.register('disk', () => ({ status: 'degraded' }));
    await health.report();
    expect(seen).toEqual([['disk', expect.objectContaining({ status: 'degraded' })]]);
  });

  it('in background mode serves the last results without running checks per request', async () => {
    jest.useFakeTimers();
    const check = jest.fn(() => true);
    const health = createHealth({ backgroundIntervalMs: 50 });
    try {
      health.register('database', check); // runs it once at once
      await jest.advanceTimersByTimeAsync(0);
      expect(check).toHaveBeenCalledTimes(1);
      await Promise.all(Array.from({ length: 50 }, () => health.report()));
      expect(check).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(50);
      expect(check).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(100);
      expect(check).toHaveBeenCalledTimes(4);
    } finally {
      health.close();
      jest.useRealTimers();
    }
  });

  it('treats a malformed answer as unhealthy, and rejects bad registrations by name', async () => {
    const health = createHealth();
    health.register('odd', () => ({ status: 'constructor' }) as never);
    expect((await health.run('odd')).status).toBe('unhealthy');
    expect(() => health.register('x', 'nope' as never)).toThrow(
      expect.objectContaining({ option: 'check' }),
    );
    expect(() => health.register('x', () => true, { timeoutMs: -1 })).toThrow(
      expect.objectContaining({ option: 'timeoutMs' }),
    );
    await expect(health.run('missing')).rejects.toThrow('no check named "missing"');
  });
});
