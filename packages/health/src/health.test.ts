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
    const health = createHealth();
    health.register('hung', () => new Promise<boolean>(() => undefined), { timeoutMs: 100 });
    const started = performance.now();
    const report = await health.report();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(report.checks.hung).toMatchObject({
      status: 'unhealthy',
      error: 'timed out after 100 ms',
    });
    expect(report.status).toBe('unhealthy');
  });

  it('never calls a hung check again on top of itself: later probes wait on the same call', async () => {
    const health = createHealth();
    const hung = jest.fn(() => new Promise<boolean>(() => undefined));
    health.register('database', hung, { timeoutMs: 50 });
    for (let i = 0; i < 3; i++) expect((await health.run('database')).status).toBe('unhealthy');
    expect(hung).toHaveBeenCalledTimes(1);
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
    const health = createHealth();
    for (const name of ['a', 'b', 'c', 'd'])
      health.register(
        name,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 150)),
      );
    const started = performance.now();
    await health.report();
    expect(performance.now() - started).toBeLessThan(400);
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
    const check = jest.fn(() => true);
    const health = createHealth({ backgroundIntervalMs: 50 });
    try {
      health.register('database', check);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const calls = check.mock.calls.length;
      await Promise.all(Array.from({ length: 50 }, () => health.report()));
      expect(check.mock.calls.length).toBe(calls);
      await new Promise((resolve) => setTimeout(resolve, 130));
      expect(check.mock.calls.length).toBeGreaterThan(calls);
    } finally {
      health.close();
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
