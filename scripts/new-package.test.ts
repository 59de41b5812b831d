import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { checkWorkspace } from './check-packages';
import { createPackage } from './new-package';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'obs-new-'));
  createPackage(root, { name: 'core', description: 'core', hono: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('createPackage', () => {
  it('creates packages that keep every package rule, with and without middleware', () => {
    createPackage(root, { name: 'logging', description: 'Logs.', hono: true });
    createPackage(root, { name: 'alerts', description: 'Alerts.', hono: false });
    expect(checkWorkspace(root)).toEqual([]);
  });

  it('makes @obs/core a peer and hono an optional peer, and only lists ./hono when asked', () => {
    createPackage(root, { name: 'logging', description: 'Logs.', hono: true });
    createPackage(root, { name: 'alerts', description: 'Alerts.', hono: false });
    const read = (n: string) =>
      JSON.parse(readFileSync(join(root, 'packages', n, 'package.json'), 'utf8')) as {
        exports: Record<string, unknown>;
        peerDependencies: Record<string, string>;
        peerDependenciesMeta?: Record<string, { optional: boolean }>;
      };
    const logging = read('logging');
    expect(Object.keys(logging.exports)).toEqual(['.', './hono', './package.json']);
    expect(logging.peerDependencies).toEqual({ '@obs/core': 'workspace:^', hono: '^4.6.0' });
    expect(logging.peerDependenciesMeta).toEqual({ hono: { optional: true } });
    const alerts = read('alerts');
    expect(Object.keys(alerts.exports)).toEqual(['.', './package.json']);
    expect(alerts.peerDependencies).toEqual({ '@obs/core': 'workspace:^' });
  });

  it('refuses names that are not kebab-case, and existing folders', () => {
    expect(() => createPackage(root, { name: 'Bad_Name', description: '', hono: false })).toThrow(
      'must be kebab-case',
    );
    expect(() => createPackage(root, { name: 'core', description: '', hono: false })).toThrow(
      'already exists',
    );
  });
});
