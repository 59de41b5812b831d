// Issue 10, part 4: a bounded load run against the demo with every signal on and logs going to
// a file; nothing may be lost: every request answered, logged once with its ids, and counted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTarget, eventBatch, type Target } from '../scripts/traffic';
import { ADMIN_TOKEN, record, startDemo, type Demo } from './harness';

const run = promisify(execFile);
const SECONDS = 20;
const CONNECTIONS = 50;

let demo: Demo;
let target: Target;
beforeAll(async () => {
  demo = await startDemo();
  target = await createTarget(demo.url, ADMIN_TOKEN, 'load');
});
afterAll(() => demo.stop());

/** Sum of a counter's samples in the exposition, optionally only lines containing `filter`. */
function sumOf(exposition: string, name: string, filter = ''): number {
  return exposition
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(filter))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

describe('load, nothing lost', () => {
  it(`answers, logs and counts every request of ${SECONDS} s at ${CONNECTIONS} connections`, async () => {
    // A mix of reads and writes through wrk: every request authenticated, about one in four an
    // ingest of 20 events (fresh ids from a counter), the rest analytics, credits, active users.
    const body = eventBatch(target, 20, 60_000).replace(
      /"id":"[^"]+"/g,
      (_, i: number) => `"id":"@@-${i}"`,
    );
    const script = `
local n = 0
local prefix = ''
local body = [==[${body}]==]
local paths = { '/api/v1/workspaces/load/analytics?group_by=agent', '/api/v1/workspaces/load/credits', '/api/v1/workspaces/load/active-users?window=1h' }
function init(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)); prefix = tostring(math.random(1, 1e9)) end
function request()
  n = n + 1
  local headers = { ['Authorization'] = 'Bearer ${target.key}' }
  if n % 4 == 0 then
    headers['Content-Type'] = 'application/json'
    return wrk.format('POST', '/api/v1/workspaces/load/events', headers, body:gsub('@@', prefix .. '-' .. n))
  end
  return wrk.format('GET', paths[n % 3 + 1], headers)
end
`;
    const file = join(mkdtempSync(join(tmpdir(), 'e2e-wrk-')), 'mix.lua');
    writeFileSync(file, script);
    const before = await (await fetch(`${demo.url}/metrics`)).text();
    const counted0 = sumOf(before, 'http_requests_total');
    const logged0 = demo.logs().filter((l) => l.message === 'request completed').length;

    const { stdout } = await run(
      'wrk',
      [
        '-t2',
        `-c${CONNECTIONS}`,
        `-d${SECONDS}s`,
        '--timeout',
        '30s',
        '--latency',
        '-s',
        file,
        demo.url,
      ],
      {
        timeout: (SECONDS + 30) * 1000,
      },
    );
    const sent = Number(/(\d+) requests in/.exec(stdout)?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(stdout).not.toMatch(/Socket errors|Non-2xx/);

    // Logs are written asynchronously: wait for the file to catch up (bounded).
    const deadline = Date.now() + 10_000;
    let completed: Record<string, unknown>[] = [];
    while (Date.now() < deadline) {
      completed = demo.logs().filter((l) => l.message === 'request completed');
      if (completed.length - logged0 >= sent) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const logged = completed.length - logged0;
    const fresh = completed.slice(logged0);
    const ids = new Set(fresh.map((l) => l.request_id));
    const after = await (await fetch(`${demo.url}/metrics`)).text();
    const counted = sumOf(after, 'http_requests_total') - counted0;
    const rss =
      sumOf(after, 'process_resident_memory_bytes') ||
      Number(/process_resident_memory_bytes\S* (\d+)/.exec(after)?.[1]);
    const p99 = /99%\s+([\d.]+\w+)/.exec(stdout)?.[1] ?? '?';
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
