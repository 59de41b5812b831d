import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Redis from 'ioredis';
import pg from 'pg';
import { diskCheck, eventLoopCheck, httpCheck, memoryCheck, redisCheck, sqlCheck } from './checks';
import { createHealth } from './health';
import {
  notInstalled,
  startPostgres,
  startRedis,
  type RealServer,
} from '../../../scripts/real-servers';

describe('diskCheck and memoryCheck', () => {
  it('report real numbers for this machine', async () => {
    const health = createHealth();
    health.register('disk', diskCheck('/', { warnFreePercent: 0.001, criticalFreePercent: 0 }));
    health.register('memory', memoryCheck({ warnPercent: 99.9, criticalPercent: 100 }));
    const { checks } = await health.report();
    expect(checks.disk).toMatchObject({ status: 'healthy', details: { path: '/' } });
    const disk = checks.disk!.details as Record<string, number>;
    expect(disk.total_bytes).toBeGreaterThan(disk.free_bytes!);
    expect(disk.free_bytes).toBeGreaterThan(0);
    const memory = checks.memory!.details as Record<string, number>;
    expect(memory.total_bytes).toBeGreaterThan(memory.used_bytes!);
    expect(memory.used_percent).toBeGreaterThan(0);
    expect(memory.rss_bytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('turn degraded and unhealthy at their thresholds', async () => {
    const health = createHealth();
    health.register(
      'disk-critical',
      diskCheck('/', { warnFreePercent: 100, criticalFreePercent: 100 }),
    );
    health.register('memory-warn', memoryCheck({ warnPercent: 0, criticalPercent: 100 }));
    const { checks } = await health.report();
    expect(checks['disk-critical']!.status).toBe('unhealthy');
    expect(checks['memory-warn']!.status).toBe('degraded');
  });
});

describe('eventLoopCheck', () => {
  it('sees a blocked event loop', async () => {
    const check = eventLoopCheck({ maxLagMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = Date.now() + 300;
    while (Date.now() < until); // block the loop for 300 ms
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await check()).toMatchObject({ status: 'unhealthy' });
  });
});

describe('httpCheck', () => {
  let url: string;
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    res.writeHead(req.url === '/ok' ? 200 : 500).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('is healthy on an expected status, degraded on another, unhealthy on no answer', async () => {
    const answers = { timeoutMs: 30_000 }; // a busy machine may take more than the default 2 s
    expect(await httpCheck(`${url}/ok`, answers)()).toMatchObject({
      status: 'healthy',
      details: { status_code: 200 },
    });
    expect(await httpCheck(`${url}/broken`, answers)()).toMatchObject({
      status: 'degraded',
      details: { status_code: 500 },
    });
    expect(await httpCheck(`${url}/broken`, { ...answers, expectStatus: 500 })()).toMatchObject({
      status: 'healthy',
    });
    const health = createHealth();
    health.register('hang', httpCheck(`${url}/hang`, { timeoutMs: 200 }));
    expect((await health.run('hang')).status).toBe('unhealthy');
  });
});

describe('sqlCheck against a real PostgreSQL', () => {
  let server: RealServer | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 90_000);
  afterAll(() => server?.stop());

  it('is healthy while the server answers, unhealthy within the timeout once it is stopped', async () => {
    if (!server) {
      notInstalled('PostgreSQL 15');
      return;
    }
    const pool = new pg.Pool({ connectionString: server.url, connectionTimeoutMillis: 30_000 });
    pool.on('error', () => undefined); // the server going away under idle clients
    try {
      const health = createHealth();
      health.register(
        'database',
        sqlCheck(() => pool.query('SELECT 1')),
        { timeoutMs: 30_000 },
      );
      expect((await health.run('database')).status).toBe('healthy');
      await server.stop();
      server = undefined;
      // A stopped server refuses at once. The registry's timeout, which bounds a query that would
      // hang, is proven on a fake clock in health.test.ts; the limits here are generous because a
      // wall-clock bound would only measure how busy the machine is.
      expect((await health.run('database')).status).toBe('unhealthy');
    } finally {
      await pool.end().catch(() => undefined);
    }
  }, 90_000);
});

describe('redisCheck against a real Redis', () => {
  let server: RealServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  }, 90_000);
  afterAll(() => server?.stop());

  it('is healthy on PONG, unhealthy within the timeout once the server is stopped', async () => {
    if (!server) {
      notInstalled('redis-server');
      return;
    }
    const redis = new Redis(server.url, {
      maxRetriesPerRequest: 1,
      retryStrategy: () => 200,
      lazyConnect: false,
    });
    redis.on('error', () => undefined);
    try {
      const health = createHealth();
      health.register('cache', redisCheck(redis), { timeoutMs: 30_000 });
      expect((await health.run('cache')).status).toBe('healthy');
      await server.stop();
      server = undefined;
      expect((await health.run('cache')).status).toBe('unhealthy'); // bounded as above
    } finally {
      redis.disconnect();
    }
  }, 90_000);
});
