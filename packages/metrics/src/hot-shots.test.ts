import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from '@jest/globals';

describe('hot-shots, an optional peer dependency', () => {
  it('is loaded only for a StatsD backend; where it is absent, the error says what to install', () => {
    // The process runs in a directory with no node_modules above it: hot-shots must still be
    // found beside this package, and is absent for anything resolving from the working directory.
    const cwd = mkdtempSync(join(tmpdir(), 'obs-metrics-app-'));
    try {
      const res = spawnSync(
        process.execPath,
        [
          '--import',
          pathToFileURL(require.resolve('tsx')).href,
          '--conditions=@obs/source',
          join(__dirname, 'hot-shots.fixture.ts'),
        ],
        // Without NODE_PATH: pnpm's bin shim for jest points it at every package in the store,
        // which no app's process has and which would find hot-shots from anywhere.
        { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_PATH: undefined } },
      );
      expect(res.stderr).toBe('');
      expect(JSON.parse(res.stdout)).toEqual({
        withoutStatsd: false,
        absent: {
          name: 'ObsConfigError',
          code: 'CONFIG_INVALID',
          option: 'backend.type',
          message:
            'Invalid option "backend.type": "statsd" needs the hot-shots package, which is not installed: npm install hot-shots',
          causeCode: 'MODULE_NOT_FOUND',
        },
        withStatsd: true,
      });
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);
});
