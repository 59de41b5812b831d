// Issue 10, part 5: faults the service must survive, answering throughout and losing nothing it
// accepted. (OTLP, Sentry and Loki endpoints that are down are covered by the packages' own
// tests against local receivers; here: SIGTERM under load, Redis and PostgreSQL going away.)
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  notInstalled,
  startPostgres,
  startRedis,
  type RealServer,
} from '../../../scripts/real-servers';
import { createTarget, drive, eventBatch, type Request } from '../scripts/traffic';
import { ADMIN_TOKEN, api, record, startDemo, waitUntil, type Demo } from './harness';

const demos: Demo[] = [];
const servers: RealServer[] = [];
afterAll(async () => {
  for (const demo of demos) {
    await demo.stop('SIGKILL');
    demo.cleanup();
  }
  await Promise.all(servers.map((s) => s.stop()));
});

async function start(env: Record<string, string> = {}): Promise<Demo> {
  const demo = await startDemo(env);
  demos.push(demo);
  return demo;
}

describe('faults survived', () => {
  it('SIGTERM under load: every request sent while ready completes, the log is complete, exit 0', async () => {
    // The drain delay is the window in which clients learn that the service is going away; its
    // length only has to outlast a busy machine's pauses, nothing below waits for it to pass.
    const demo = await start({ SHUTDOWN_DRAIN_MS: '5000' });
    const target = await createTarget(demo.url, ADMIN_TOKEN, 'sigterm');
    // Clients behave as behind a load balancer: it polls /ready every 100 ms and stops sending
    // new requests once the service says it is not ready, or once a response asks to close the
    // connection (as every response does while draining); requests already sent must complete.
    let ready = true;
    const poller = setInterval(() => {
      fetch(`${demo.url}/ready`).then(
        (res) => (ready = res.ok),
        () => (ready = false),
      );
    }, 100);
    const outcomes = new Map<string, number>();
    let sent = 0;
    let n = 0;
    const worker = async () => {
      while (ready) {
        const ingest = ++n % 3 === 0;
        sent++;
        const outcome = await fetch(
          `${demo.url}/api/v1/workspaces/sigterm/${ingest ? 'events' : 'credits'}`,
          {
            method: ingest ? 'POST' : 'GET',
            headers: {
              authorization: `Bearer ${target.key}`,
              ...(ingest ? { 'content-type': 'application/json' } : {}),
            },
            body: ingest ? eventBatch(target, 10, 60_000) : undefined,
          },
        ).then(
          async (res) => {
            if (res.headers.get('connection') === 'close') ready = false;
            await res.arrayBuffer();
            return String(res.status);
          },
          (err: unknown) => (err as { cause?: { code?: string } }).cause?.code ?? 'failed',
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    };
    const load = Promise.all(Array.from({ length: 20 }, worker));
    await new Promise((r) => setTimeout(r, 2000));
    const code = await demo.stop('SIGTERM');
    await load;
    clearInterval(poller);
    const ok = outcomes.get('200') ?? 0;
    const logged = demo
      .logs()
      .filter((l) => l.message === 'request completed' && l.status === 200).length;
    record(
      'faults',
      'SIGTERM during load',
      `${sent} sent while ready: ${JSON.stringify(Object.fromEntries(outcomes))}, logged ${logged}, exit ${code}`,
    );
    expect(code).toBe(0);
    expect(Object.fromEntries(outcomes)).toEqual({ '200': sent });
    expect(logged).toBe(ok);
  });

  it('Redis stopped: ready stays, health says degraded, reads answer from the database, then recovers', async () => {
    const redis = await startRedis();
    if (!redis) {
      notInstalled('redis-server');
      return;
    }
    servers.push(redis);
    const demo = await start({ REDIS_URL: redis.url });
    const target = await createTarget(demo.url, ADMIN_TOKEN, 'redis');
    const read = (): Request => ({
      method: 'GET',
      path: '/api/v1/workspaces/redis/analytics?group_by=day',
    });
    await drive(target, read, { seconds: 1, concurrency: 4 });
    await redis.halt();
    const during = await drive(target, read, { seconds: 4, concurrency: 4 });
    const ready = await fetch(`${demo.url}/ready`);
    const report = async () =>
      (await (await api(demo, 'GET', '/health')).json()) as {
        status: string;
        checks: Record<string, { status: string }>;
      };
    const health = await report();
    expect(ready.status).toBe(200);
    expect(health.status).toBe('degraded');
    expect([...during.byStatus]).toEqual([[200, during.requests]]);
    await redis.resume();
    await waitUntil(
      async () => (await report()).checks.redis?.status === 'healthy',
      60_000,
      'redis healthy again',
    );
    record(
      'faults',
      'Redis stopped mid-load',
      `${during.requests} reads during the outage, all 200; /ready 200, /health degraded; healthy again after restart`,
    );
  });

  it('PostgreSQL stopped: not ready, writes answer 503 problem+json, accepted events survive', async () => {
    const postgres = await startPostgres();
    if (!postgres) {
      notInstalled('PostgreSQL 15');
      return;
    }
    servers.push(postgres);
    const demo = await start({ DATABASE_URL: postgres.url });
    const target = await createTarget(demo.url, ADMIN_TOKEN, 'pg');
    let accepted = 0;
    const write = (): Request => ({
      method: 'POST',
      path: '/api/v1/workspaces/pg/events',
      body: eventBatch(target, 10, 60_000),
      events: 10,
    });
    const before = await drive(target, write, { seconds: 2, concurrency: 4 });
    accepted += before.events;
    await postgres.halt();
    const t0 = Date.now();
    await waitUntil(
      async () => (await fetch(`${demo.url}/ready`)).status === 503,
      60_000,
      'not ready',
    );
    const notReadyMs = Date.now() - t0;
    const res = await fetch(`${demo.url}/api/v1/workspaces/pg/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
      body: eventBatch(target, 5, 60_000),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    await postgres.resume();
    await waitUntil(async () => (await fetch(`${demo.url}/ready`)).ok, 60_000, 'ready again');
    const credits = (await (
      await fetch(`${demo.url}/api/v1/workspaces/pg/credits?from=2000-01-01T00:00:00Z`, {
        headers: { authorization: `Bearer ${target.key}` },
      })
    ).json()) as { events: number };
    record(
      'faults',
      'PostgreSQL stopped',
      `not ready after ${notReadyMs} ms, writes 503 problem+json, ${accepted} accepted events all stored (${credits.events})`,
    );
    expect(credits.events).toBe(accepted);
  });
});
