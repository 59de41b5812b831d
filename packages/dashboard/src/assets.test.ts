import { describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { acceptsGzip, defaultAssetsDir, injectBase } from './assets';

describe('assets', () => {
  it('negotiates gzip from Accept-Encoding, q=0 refusing it', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0, *')).toBe(false);
    expect(acceptsGzip('gzip;q=0.000')).toBe(false);
    expect(acceptsGzip('br')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('injects the mount as the first child of <head>, attribute-escaped', () => {
    expect(injectBase('<html><HEAD lang="x"><title>t</title></HEAD></html>', '/a"b<')).toBe(
      '<html><HEAD lang="x"><meta name="obs-base" content="/a&quot;b&lt;"><title>t</title></HEAD></html>',
    );
  });

  it('finds ui-dist one level above this module, at the package root', () => {
    expect(defaultAssetsDir()).toBe(join(__dirname, '..', 'ui-dist'));
    expect(existsSync(join(defaultAssetsDir(), '..', 'package.json'))).toBe(true);
  });
});
