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
  let port: number;
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    if (req.url === '/private') {
      authorizations.push(req.headers.authorization);
      const expected = `Basic ${Buffer.from('ops user:p@ss:wörd').toString('base64')}`;
      res.writeHead(req.headers.authorization === expected ? 200 : 401).end();
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(req.url ?? '')?.[1];
    res.writeHead(status ? Number(status) : 404).end();
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const answers = { timeoutMs: 30_000 }; // a busy machine may take more than the default 2 s

  it('is healthy on 2xx and 3xx or an expected status, unhealthy on no answer', async () => {
    for (const status of [200, 204, 304])
      expect(await httpCheck(`${url}/status/${status}`, answers)()).toMatchObject({
        status: 'healthy',
        details: { status_code: status },
      });
    expect(await httpCheck(`${url}/status/500`, { ...answers, expectStatus: 500 })()).toMatchObject(
      { status: 'healthy' },
    );
    const health = createHealth();
    health.register('hang', httpCheck(`${url}/hang`, { timeoutMs: 200 }));
    expect((await health.run('hang')).status).toBe('unhealthy');
  });

  it('is unhealthy on 5xx and 4xx, so a critical dependency answering 5xx makes the service unready', async () => {
    for (const status of [500, 502, 503, 404, 401, 429])
      expect(await httpCheck(`${url}/status/${status}`, answers)()).toMatchObject({
        status: 'unhealthy',
        details: { status_code: status },
        error: `answered ${status}`,
      });
    expect(
      await httpCheck(`${url}/status/200`, { ...answers, expectStatus: [204] })(),
    ).toMatchObject({ status: 'unhealthy', error: 'answered 200' });
    const health = createHealth();
    health.register('payments', httpCheck(`${url}/status/503`, answers));
    expect((await health.report((_name, o) => o.critical)).status).toBe('unhealthy');
  });

  it('sends credentials in the URL as Basic auth, and never shows them', async () => {
    authorizations.length = 0;
    const health = createHealth();
    health.register(
      'private',
      httpCheck(`http://ops%20user:p%40ss%3Aw%C3%B6rd@127.0.0.1:${port}/private`, answers),
    );
    const result = await health.run('private');
    expect(result).toMatchObject({ status: 'healthy', details: { status_code: 200 } });
    expect(authorizations).toHaveLength(1);
    expect(JSON.stringify(result)).not.toMatch(/p%40ss|p@ss|w%C3%B6rd|wörd/);
    // Refused credentials: unhealthy, and still nowhere in the result.
    health.register('refused', httpCheck(`http://ops:hunter2@127.0.0.1:${port}/private`, answers));
    const refused = await health.run('refused');
    expect(refused).toMatchObject({ status: 'unhealthy', details: { status_code: 401 } });
    expect(JSON.stringify(refused)).not.toContain('hunter2');
  });

  it('refuses a URL it cannot call when the check is made, naming the option and not the password', () => {
    for (const bad of [
      '/relative',
      'not a url',
      'ftp://ops:hunter2@files.example/',
      'file:///etc/hosts',
    ])
      expect(() => httpCheck(bad)).toThrow(
        expect.objectContaining({
          name: 'ObsConfigError',
          option: 'url',
          message: expect.not.stringContaining('hunter2'),
        }),
      );
    expect(() =>
      httpCheck('https://ops:hunter2@api.example/health', {
        headers: { Authorization: 'Bearer x' },
      }),
    ).toThrow(expect.objectContaining({ option: 'headers.authorization' }));
    expect(() => httpCheck(`${url}/status/200`, { timeoutMs: 0 })).toThrow(
      expect.objectContaining({ option: 'timeoutMs' }),
    );
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
