import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileFromTarball, startLocalRegistry, type LocalRegistry } from './local-registry';

const manifest = { name: '@fixture/pkg', version: '1.2.3', main: 'index.js', license: 'MIT' };

let dir: string;
let tgz: string;
let registry: LocalRegistry;

/** A tarball laid out as `npm pack` lays it out: everything under `package/`. */
function packFixture(): string {
  mkdirSync(join(dir, 'package'));
  writeFileSync(join(dir, 'package', 'package.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'package', 'index.js'), 'module.exports = 42;\n');
  const file = join(dir, 'fixture-pkg-1.2.3.tgz');
  execFileSync('tar', ['-czf', file, '-C', dir, 'package']);
  return file;
}

async function getJson(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(path, registry.url));
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'obs-registry-'));
  tgz = packFixture();
  registry = await startLocalRegistry([tgz]);
});
afterAll(async () => {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('readFileFromTarball', () => {
  it('reads a file by its path in the tarball, or gives undefined', () => {
    const bytes = readFileSync(tgz);
    expect(readFileFromTarball(bytes, 'package/index.js')).toBe('module.exports = 42;\n');
    expect(readFileFromTarball(bytes, 'package/missing.js')).toBeUndefined();
  });
});

describe('startLocalRegistry', () => {
  it('listens on 127.0.0.1', () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('answers the packument at the escaped and the plain path', async () => {
    const bytes = readFileSync(tgz);
    const escaped = await getJson('/@fixture%2fpkg');
    expect(await getJson('/@fixture/pkg')).toEqual(escaped);
    expect(escaped).toEqual({
      name: '@fixture/pkg',
      'dist-tags': { latest: '1.2.3' },
      versions: {
        '1.2.3': {
          ...manifest,
          _id: '@fixture/pkg@1.2.3',
          dist: {
            tarball: `${registry.url}@fixture/pkg/-/pkg-1.2.3.tgz`,
            integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
            shasum: createHash('sha1').update(bytes).digest('hex'),
          },
        },
      },
    });
  });

  it('serves the tarball where the packument says', async () => {
    const res = await fetch(`${registry.url}@fixture/pkg/-/pkg-1.2.3.tgz`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(tgz))).toBe(true);
  });

  it('answers 404 for anything else, and refuses writes', async () => {
    expect((await fetch(`${registry.url}@fixture%2fother`)).status).toBe(404);
    expect((await fetch(`${registry.url}@fixture%2fpkg`, { method: 'PUT' })).status).toBe(405);
  });

  it('answers 400 for a path that does not decode, and keeps serving', async () => {
    for (const path of ['%E0%A4%A', '@fixture%2fpkg%', '@fixture/pkg/-/pkg-1.2.3.tgz%ZZ']) {
      const res = await fetch(`${registry.url}${path}`);
      expect([path, res.status, await res.json()]).toEqual([
        path,
        400,
        { error: 'malformed path' },
      ]);
    }
    expect((await fetch(`${registry.url}@fixture%2fpkg`)).status).toBe(200);
  });

  // Asynchronous on purpose: the registry answers from this process's event loop.
  it('is something npm installs from', async () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), '{"name":"project","private":true}');
    writeFileSync(join(project, '.npmrc'), `@fixture:registry=${registry.url}\n`);
    await promisify(execFile)('npm', ['install', '@fixture/pkg', '--no-audit', '--no-fund'], {
      cwd: project,
      env: { ...process.env, npm_config_cache: join(dir, 'npm-cache') },
      timeout: 50_000,
    });
    const installed = join(project, 'node_modules', '@fixture', 'pkg', 'index.js');
    expect(readFileSync(installed, 'utf8')).toBe('module.exports = 42;\n');
  }, 60_000);
});
