import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

/** An app directory whose node_modules holds a hot-shots made of these files. */
function appWithHotShots(root: string, name: string, files: Record<string, string>): string {
  const pkg = join(root, name, 'node_modules', 'hot-shots');
  mkdirSync(pkg, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(pkg, file), text);
  return name;
}

describe('hot-shots, an optional peer dependency', () => {
  // The process runs in a directory with no node_modules above it: hot-shots must still be found
  // beside this package, and is absent for anything resolving from the working directory.
  let cwd: string;
  let out: Record<string, unknown>;
  let missingMain: string;
  let missingDependency: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'obs-metrics-app-'));
    missingMain = appWithHotShots(cwd, 'missing-main', {
      'package.json': '{ "name": "hot-shots", "main": "./index.js" }',
    });
    missingDependency = appWithHotShots(cwd, 'missing-dependency', {
      'package.json': '{ "name": "hot-shots", "main": "./index.js" }',
      'index.js': "module.exports = require('hot-shots-transport');",
    });
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(require.resolve('tsx')).href,
        '--conditions=@obs/source',
        join(__dirname, 'hot-shots.fixture.ts'),
        missingMain,
        missingDependency,
      ],
      // Without NODE_PATH: pnpm's bin shim for jest points it at every package in the store,
      // which no app's process has and which would find hot-shots from anywhere. The timeout
      // only guards against a hang.
      { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_PATH: undefined } },
    );
    expect(res.stderr).toBe('');
    out = JSON.parse(res.stdout) as Record<string, unknown>;
  }, 90_000);
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('is loaded only for a StatsD backend, found beside this package', () => {
    expect(out).toMatchObject({ withoutStatsd: false, withStatsd: true });
  });

  it('where it is absent, the error says what to install', () => {
    expect(out.absent).toEqual({
      name: 'ObsConfigError',
      code: 'CONFIG_INVALID',
      option: 'backend.type',
      message:
        'Invalid option "backend.type": "statsd" needs the hot-shots package, which is not installed: npm install hot-shots',
      causeCode: 'MODULE_NOT_FOUND',
      causeMessage: expect.stringContaining("Cannot find module 'hot-shots'"),
    });
  });

  it('installed but unloadable (its main file or a dependency missing), the error keeps the loader’s reason instead of saying it is absent', () => {
    const broken = out.broken as Record<string, Record<string, unknown>>;
    for (const [dir, missing] of [
      [missingMain, 'index.js'],
      [missingDependency, "'hot-shots-transport'"],
    ] as const) {
      const err = broken[dir]!;
      expect(err).toEqual({
        name: 'ObsError',
        code: 'INTERNAL',
        message: `hot-shots is installed but failed to load: ${err.causeMessage as string}`,
        causeCode: 'MODULE_NOT_FOUND',
        causeMessage: expect.stringContaining(`Cannot find module`),
      });
      expect(err.causeMessage).toContain(missing);
      expect(err.message).not.toContain('npm install');
    }
  });
});
