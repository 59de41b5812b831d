import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const packageDir = join(__dirname, '..');
// Every child without jest's settings: no NODE_OPTIONS, no NODE_PATH (pnpm's bin shim for jest
// points it at every package in the store, which would find @sentry/node from anywhere), and no
// SENTRY_DSN from the developer's shell.
const env = { ...process.env, NODE_OPTIONS: '', NODE_PATH: undefined, SENTRY_DSN: undefined };

// The built package, not the sources: it is the ESM and CommonJS outputs that load Sentry. Built
// here from the current sources, as `pnpm build` builds it (without declarations), so the test
// needs no build beforehand and never reads a stale one; laid out as installed, its
// node_modules beside it. The app runs in an empty directory, where nothing resolves.
let root: string;
let dist: string;
let app: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'obs-errors-sentry-loading-'));
  const installed = join(root, 'errors');
  mkdirSync(installed);
  writeFileSync(join(installed, 'package.json'), '{ "type": "module" }');
  symlinkSync(join(packageDir, 'node_modules'), join(installed, 'node_modules'), 'dir');
  dist = join(installed, 'dist');
  app = join(root, 'app');
  mkdirSync(app);
  const build = spawnSync(
    process.execPath,
    [
      require.resolve('tsup/dist/cli-default.js'),
      '--config',
      join(packageDir, '..', '..', 'tsup.config.ts'),
      '--out-dir',
      dist,
      '--no-dts',
      '--silent',
    ],
    // The timeout only guards against a hang.
    { cwd: packageDir, encoding: 'utf8', timeout: 120_000, env },
  );
  expect(build.stderr).toBe('');
  expect(build.status).toBe(0);
}, 150_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ['ESM', 'index.js'],
  ['CommonJS', 'index.cjs'],
])('@sentry/node in the %s build', (_format, file) => {
  let out: {
    withoutDsn: { enabled: boolean; sentryLoaded: boolean };
    withDsn: {
      enabled: boolean;
      sentryLoaded: boolean;
      flushed: boolean;
      eventId?: string;
      sent: { event_id?: string; extra?: Record<string, unknown> }[];
    };
    appSees: { esm?: string; cjs?: string; same: boolean };
  };
  beforeAll(() => {
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(require.resolve('tsx')).href,
        '--conditions=@obs/source',
        join(__dirname, 'sentry-loading.fixture.ts'),
        join(dist, file),
      ],
      // A child Node with tsx and Sentry: the timeout only guards against a hang.
      { cwd: app, encoding: 'utf8', timeout: 60_000, env },
    );
    expect(res.stderr).toBe('');
    out = JSON.parse(res.stdout) as typeof out;
  }, 90_000);

  it('is not loaded by initErrors() without a DSN', () => {
    expect(out.withoutDsn).toEqual({ enabled: false, sentryLoaded: false });
  });

  it('is loaded by initErrors() with a DSN, from beside the package, and captureError sends scrubbed events', () => {
    const { eventId, ...withDsn } = out.withDsn;
    expect(eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(withDsn).toEqual({
      enabled: true,
      sentryLoaded: true,
      flushed: true,
      sent: [{ event_id: eventId, extra: { password: '[REDACTED]' } }],
    });
  });

  it('holds one client for the app’s own @sentry/node too, imported or required', () => {
    expect(out.appSees).toEqual({
      esm: 'https://key@127.0.0.1:9/1',
      cjs: 'https://key@127.0.0.1:9/1',
      same: true,
    });
  });
});

describe('@sentry/node missing where the package runs (an app bundled without it)', () => {
  it.each(['index.js', 'index.cjs'])(
    'initErrors() with a DSN throws ObsConfigError naming dsn and saying what to do (%s)',
    (file) => {
      // The same build beside every dependency but Sentry: what a bundle whose bundler could not
      // see the require meets at run time.
      const bundled = join(root, `bundled-${file}`);
      mkdirSync(join(bundled, 'node_modules'), { recursive: true });
      writeFileSync(join(bundled, 'package.json'), '{ "type": "module" }');
      cpSync(dist, join(bundled, 'dist'), { recursive: true });
      const modules = join(packageDir, 'node_modules');
      for (const entry of readdirSync(modules))
        if (entry !== '@sentry' && entry !== '.bin')
          symlinkSync(join(modules, entry), join(bundled, 'node_modules', entry), 'dir');
      const entry = join(bundled, 'dist', file);
      const script = `
        const { initErrors } = ${
          file.endsWith('.cjs')
            ? `require(${JSON.stringify(entry)})`
            : `await import(${JSON.stringify(pathToFileURL(entry).href)})`
        };
        try {
          initErrors({ dsn: 'https://key@127.0.0.1:9/1' });
          console.log('no error');
        } catch (err) {
          console.log(JSON.stringify({ name: err.name, option: err.option, message: err.message }));
        }`;
      const res = spawnSync(
        process.execPath,
        [`--input-type=${file.endsWith('.cjs') ? 'commonjs' : 'module'}`, '-e', script],
        // The timeout only guards against a hang.
        { cwd: app, encoding: 'utf8', timeout: 60_000, env },
      );
      expect(res.stderr).toBe('');
      const thrown = JSON.parse(res.stdout) as { name: string; option: string; message: string };
      expect(thrown).toMatchObject({ name: 'ObsConfigError', option: 'dsn' });
      expect(thrown.message).toMatch(/install @sentry\/node .*mark it external/);
    },
    90_000,
  );
});
