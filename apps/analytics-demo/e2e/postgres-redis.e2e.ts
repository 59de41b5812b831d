// Issue 10, part 3: the API test suite against a real PostgreSQL 15 and Redis, started here on
// 127.0.0.1. The suite's fixture gives each test file a database and a key prefix of its own.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  notInstalled,
  startPostgres,
  startRedis,
  type RealServer,
} from '../../../scripts/real-servers';
import { APP_DIR, record } from './harness';

let postgres: RealServer | undefined;
let redis: RealServer | undefined;
beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([postgres?.stop(), redis?.stop()]);
});

describe('PostgreSQL and Redis mode', () => {
  it('passes the API test suite', async () => {
    if (!postgres || !redis) {
      notInstalled('PostgreSQL 15 and redis-server');
      return;
    }
    const files = ['src/api', 'src/observability.test.ts', 'src/sentry-tracing.test.ts'];
    const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--ci', ...files], {
      cwd: APP_DIR,
      env: {
        ...process.env,
        NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
        TEST_POSTGRES_URL: postgres.url,
        TEST_REDIS_URL: redis.url,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    const passed = Number(/Tests:\s+(?:\d+ failed, )?(\d+) passed/.exec(output)?.[1] ?? 0);
    const failed = Number(/Tests:\s+(\d+) failed/.exec(output)?.[1] ?? 0);
    record('PostgreSQL + Redis', files.join(' '), `${passed} passed, ${failed} failed`);
    expect({ code, failed, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({
      code: 0,
      failed: 0,
      tail: '',
    });
    expect(passed).toBeGreaterThan(50);
  });
});
