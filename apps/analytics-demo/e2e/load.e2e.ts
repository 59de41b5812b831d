// Issue 10, part 4: a bounded load run against the demo with every signal on and logs going to
// a file; nothing may be lost: every request answered, logged once with its ids, and counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTarget,
  drive,
  eventBatch,
  percentile,
  type Request,
  type Target,
} from '../scripts/traffic';
import { ADMIN_TOKEN, record, startDemo, type Demo } from './harness';

const SECONDS = 20;
const CONNECTIONS = 50;

let demo: Demo;
let target: Target;
beforeAll(async () => {
  demo = await startDemo();
  target = await createTarget(demo.url, ADMIN_TOKEN, 'load');
});
afterAll(async () => {
  await demo.stop();
  demo.cleanup();
});

/** Sum of a counter's samples in the exposition, optionally only lines containing `filter`. */
function sumOf(exposition: string, name: string, filter = ''): number {
  return exposition
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(filter))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('load, nothing lost', () => {
  it(`answers, logs and counts every request of ${SECONDS} s at ${CONNECTIONS} connections`, async () => {
    // A closed-loop client (it knows exactly how many requests it sent and waits for every
    // answer): one in four an ingest of 20 events, the rest analytics, credits, active users.
    const reads = [
      '/api/v1/workspaces/load/analytics?group_by=agent',
      '/api/v1/workspaces/load/credits',
      '/api/v1/workspaces/load/active-users?window=1h',
    ];
    let n = 0;
    const next = (): Request =>
      ++n % 4 === 0
        ? {
            method: 'POST',
            path: '/api/v1/workspaces/load/events',
            body: eventBatch(target, 20, 60_000),
            events: 20,
          }
        : { method: 'GET', path: reads[n % 3]! };
    const before = await (await fetch(`${demo.url}/metrics`)).text();
    const counted0 = sumOf(before, 'http_requests_total');

    const stats = await drive(target, next, { seconds: SECONDS, concurrency: CONNECTIONS });
    const sent = stats.requests;
    expect({ failures: stats.failures, lastError: stats.lastError }).toEqual({
      failures: 0,
      lastError: undefined,
    });
    expect([...stats.byStatus.keys()]).toEqual([200]);

    // The run's lines: its routes only (the set-up's requests went elsewhere). Logs are written
    // asynchronously: wait for the file to catch up (the bound only guards against a hang).
    const routes = new Set([
      '/api/v1/workspaces/:workspaceId/events',
      '/api/v1/workspaces/:workspaceId/analytics',
      '/api/v1/workspaces/:workspaceId/credits',
      '/api/v1/workspaces/:workspaceId/active-users',
    ]);
    const runLines = () =>
      demo.logs().filter((l) => l.message === 'request completed' && routes.has(String(l.route)));
    let fresh = runLines();
    const deadline = Date.now() + 60_000;
    while (fresh.length < sent && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      fresh = runLines();
    }
    const logged = fresh.length;
    const ids = new Set(fresh.map((l) => l.request_id));
    const after = await (await fetch(`${demo.url}/metrics`)).text();
    const counted = sumOf(after, 'http_requests_total') - counted0;
    const rss =
      sumOf(after, 'process_resident_memory_bytes') ||
      Number(/process_resident_memory_bytes\S* (\d+)/.exec(after)?.[1]);
    const latencies = stats.latenciesMs.sort((a, b) => a - b);
    const p99 = `${Math.round(percentile(latencies, 99))} ms`;
    record(
      'load',
      `${SECONDS} s × ${CONNECTIONS} connections`,
      `sent ${sent}, logged ${logged}, counted ${counted}, distinct request ids ${ids.size}, p99 ${p99}, RSS ${Math.round(rss / 2 ** 20)} MiB`,
    );

    expect(logged).toBe(sent);
    expect(ids.size).toBe(sent);
    for (const line of fresh) {
      expect(line.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(line.status).toBe(200);
    }
    expect(counted).toBe(sent);
    expect(rss).toBeLessThan(1024 * 2 ** 20);
  });
});
