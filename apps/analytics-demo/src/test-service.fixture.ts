// A whole service for tests: SQLite and logs in a temporary folder, a known admin token, no
// background timers. Requests go through `app.request`, as from a client.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from './config';
import { createService, type Service } from './service';

export const ADMIN = 'admin-token-for-tests-0123456789';

export interface TestService {
  service: Service;
  dir: string;
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Creates a workspace with agents; resolves with its API key. */
  workspace(id: string, agents?: string[]): Promise<string>;
  /** Every JSON log record written so far. */
  logs(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * With TEST_POSTGRES_URL and TEST_REDIS_URL set (the end-to-end suite sets them), the service
 * runs on a database of its own on that PostgreSQL and under a key prefix of its own on that Redis.
 */
async function realBackends(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const env: Record<string, string> = {};
  let drop = () => Promise.resolve();
  const suffix = randomBytes(6).toString('hex');
  const pgUrl = process.env.TEST_POSTGRES_URL;
  if (pgUrl) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE test_${suffix}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/test_${suffix}`;
    env.DATABASE_URL = url.toString();
    drop = async () => {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS test_${suffix}`);
      await client.end();
    };
  }
  if (process.env.TEST_REDIS_URL) {
    env.REDIS_URL = process.env.TEST_REDIS_URL;
    env.CACHE_KEY_PREFIX = `test_${suffix}:`;
  }
  return { env, drop };
}

export async function testService(env: Record<string, string> = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'analytics-test-'));
  const backends = await realBackends();
  const config = loadConfig({
    DATA_DIR: dir,
    ADMIN_TOKEN: ADMIN,
    LOG_FILE: join(dir, 'app.log'),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'debug',
    ROLLUP_INTERVAL_MS: '0',
    SEED_DEMO: 'false',
    ENVIRONMENT: 'test',
    ...backends.env,
    ...env,
  });
  let service: Service;
  try {
    service = await createService(config);
  } catch (err) {
    // Nothing is left behind for the suite's afterAll to close (it finds no service).
    await backends.drop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const request: TestService['request'] = (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    }
    return Promise.resolve(service.app.request(path, { method, headers, body }));
  };
  return {
    service,
    dir,
    request,
    async workspace(id, agents = ['bot-a', 'bot-b']) {
      const res = await request('POST', '/api/v1/workspaces', {
        token: ADMIN,
        body: { id, name: `Workspace ${id}`, owner_user_id: `${id}-owner` },
      });
      if (res.status !== 201) throw new Error(`workspace ${id}: ${res.status} ${await res.text()}`);
      const { api_key } = (await res.json()) as { api_key: string };
      for (const agent of agents) {
        const created = await request('POST', `/api/v1/workspaces/${id}/agents`, {
          token: api_key,
          body: { id: agent, name: agent },
        });
        if (created.status !== 201) throw new Error(`agent ${agent}: ${created.status}`);
      }
      return api_key;
    },
    async logs() {
      await service.obs.logger.flush();
      return readFileSync(join(dir, 'app.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      await service.close();
      await backends.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A usage event with sensible defaults. */
export function usageEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `evt-${Math.random().toString(36).slice(2)}`,
    user_id: 'user-1',
    agent_id: 'bot-a',
    type: 'chat.completion',
    credits: 10,
    occurred_at: '2026-11-20T10:00:00Z',
    ...overrides,
  };
}
