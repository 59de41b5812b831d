import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { checkDist } from './check-dist';

let dir: string;

function fixture(files: Record<string, string>): void {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: '@fixture/pkg',
      type: 'module',
      exports: {
        '.': {
          '@obs/source': './src/index.ts',
          import: { types: './dist/index.d.ts', default: './dist/index.js' },
          require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
        },
      },
    }),
  );
  mkdirSync(join(dir, 'dist'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'dist', name), text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'obs-dist-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checkDist', () => {
  it('passes a package whose builds load both ways with the same names', () => {
    fixture({
      'index.js': 'export const a = 1; export function b() {}\n',
      'index.cjs': 'exports.a = 1; exports.b = function () {};\n',
      'index.d.ts': 'export declare const a: number;\n',
      'index.d.cts': 'export declare const a: number;\n',
    });
    expect(checkDist(dir)).toEqual([]);
  });

  it('reports missing type declarations', () => {
    fixture({ 'index.js': 'export const a = 1;\n', 'index.cjs': 'exports.a = 1;\n' });
    expect(checkDist(dir)).toEqual([
      '@fixture/pkg (import): ./dist/index.d.ts is missing',
      '@fixture/pkg (require): ./dist/index.d.cts is missing',
    ]);
  });

  it('reports builds that expose different names, or fail to load', () => {
    fixture({
      'index.js': 'export const a = 1; export const extra = 2;\n',
      'index.cjs': 'exports.a = 1;\n',
      'index.d.ts': '',
      'index.d.cts': '',
    });
    expect(checkDist(dir)).toEqual([
      '@fixture/pkg: require() exposes [a] but import() exposes [a, extra]',
    ]);
    writeFileSync(join(dir, 'dist', 'index.cjs'), 'throw new Error("broken build");\n');
    expect(checkDist(dir)[0]).toMatch(/^@fixture\/pkg: failed to load: /);
  });
});
