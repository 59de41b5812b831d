import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ObsConfigError } from '@obs/core';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('has defaults that run with nothing else installed', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8000,
      HOST: '127.0.0.1',
      DATA_DIR: '.data',
      CACHE_TTL_SECONDS: 60,
      ROLLUP_INTERVAL_MS: 60_000,
      SEED_DEMO: true,
      FAULT_INJECTION: false,
      service: { name: 'analytics' },
      auditLog: join('.data', 'audit.log'),
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    // No admin token given: a random one for this run.
    expect(config.adminToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(loadConfig({}).adminToken).not.toBe(config.adminToken);
  });

  it('reads and converts the variables', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgresql://app@db:5432/analytics',
      REDIS_URL: 'redis://cache:6379',
      SEED_DEMO: 'false',
      ADMIN_TOKEN: 'a-long-enough-admin-token',
      APP_VERSION: '1.2.3',
      ENVIRONMENT: 'production',
    });
    expect(config).toMatchObject({
      PORT: 9000,
      SEED_DEMO: false,
      adminToken: 'a-long-enough-admin-token',
      service: { name: 'analytics', version: '1.2.3', environment: 'production' },
    });
  });

  it("lets ALERT_FOR shorten every in-process rule's wait, and keeps each rule's own without it", async () => {
    const { alertRules } = await import('./alert-rules');
    const shortened = alertRules('analytics', loadConfig({ ALERT_FOR: '2s' }).ALERT_FOR);
    expect(new Set(shortened.map((r) => r.forMs))).toEqual(new Set([2000]));
    const own = alertRules('analytics', loadConfig({}).ALERT_FOR);
    const highErrorRate = own.filter((r) => r.name === 'HighErrorRate');
    expect(highErrorRate.map((r) => [r.severity, r.forMs])).toEqual([
      ['warning', 300_000],
      ['critical', 120_000],
    ]);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ PORT: 8000 });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['REDIS_URL', 'localhost:6379'],
    ['ADMIN_TOKEN', 'short'],
    ['LOG_LEVEL', 'verbose'],
    ['SENTRY_DSN', 'not a url'],
    ['SEED_DEMO', 'maybe'],
    ['ALERT_FOR', 'soon'],
  ])('rejects %s=%s with an error naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ObsConfigError);
    expect((error as ObsConfigError).option).toBe(name);
    expect((error as Error).message).toContain(name);
  });

  it('stops start-up with one line naming the variable, and no stack trace', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@obs/source', join(__dirname, 'main.ts')],
      {
        env: { ...process.env, PORT: 'eighty', NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 120_000, // the whole app through tsx: slow on a busy machine; a hang guard
      },
    );
    expect(child.status).toBe(1);
    const lines = child.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^analytics: Invalid option "PORT": /);
  }, 150_000);
});
