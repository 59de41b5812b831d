import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import {
  contentLength,
  OPERATIONAL_PATHS,
  pathMatcher,
  responseBodySize,
  type PathList,
} from './helpers';

async function matched(list: PathList | undefined, path: string): Promise<boolean> {
  const match = pathMatcher('skip', list, OPERATIONAL_PATHS);
  let result = false;
  const app = new Hono();
  app.use(async (c, next) => {
    result = match(c);
    await next();
  });
  app.all('*', (c) => c.text(''));
  await app.request(path);
  return result;
}

describe('pathMatcher', () => {
  it.each([
    ['/health', true],
    ['/health/db', true],
    ['/healthz', true],
    ['/healthz/ready', true],
    ['/healthcheck', true],
    ['/healthcare/patients/1', false],
    ['/healthplans', false],
    ['/ready', true],
    ['/ready/now', false],
    ['/metrics', true],
    ['/_obs/api/overview', true],
    ['/api/v1/health', false],
  ])('matches %s against the operational paths: %s', async (path, expected) => {
    expect(await matched(undefined, path)).toBe(expected);
  });

  it('takes its own list or a predicate', async () => {
    expect(await matched(['/internal/*'], '/internal/x')).toBe(true);
    expect(await matched(['/internal/*'], '/health')).toBe(false);
    // `p*` is p and the paths under it, not every path starting with the same letters.
    expect(await matched(['/admin*'], '/admin')).toBe(true);
    expect(await matched(['/admin*'], '/admin/users')).toBe(true);
    expect(await matched(['/admin*'], '/administrators')).toBe(false);
    expect(await matched(['/internal/*'], '/internal')).toBe(false);
    expect(await matched((c) => c.req.path.length > 5, '/longer')).toBe(true);
  });

  it('names the option when the list is not one', () => {
    expect(() => pathMatcher('exclude', [1] as unknown as string[], [])).toThrow(
      expect.objectContaining({ option: 'exclude' }),
    );
  });
});

describe('contentLength', () => {
  it('reads byte counts and rejects anything else', () => {
    expect(contentLength('150')).toBe(150);
    expect(contentLength('0')).toBe(0);
    for (const bad of [null, undefined, '', '-1', '1.5', 'abc', '1e400'])
      expect(contentLength(bad)).toBeUndefined();
  });
});

describe('responseBodySize', () => {
  it('reads Content-Length from ordinary responses, and knows nothing of a stream', () => {
    expect(responseBodySize(new Response('hello', { headers: { 'content-length': '5' } }))).toBe(5);
    expect(responseBodySize(new Response(new ReadableStream()))).toBeUndefined();
  });

  it('measures c.json() bodies under @hono/node-server without building their headers', async () => {
    const { serve } = await import('@hono/node-server');
    const app = new Hono();
    const sizes: (number | undefined)[] = [];
    app.use(async (c, next) => {
      await next();
      sizes.push(responseBodySize(c.res));
    });
    app.get('/json', (c) => c.json({ greeting: 'héllo' }));
    app.get('/bytes', (c) => c.body(new Uint8Array(7)));
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const { port } = server.address() as { port: number };
      const json = await (await fetch(`http://127.0.0.1:${port}/json`)).text();
      await (await fetch(`http://127.0.0.1:${port}/bytes`)).arrayBuffer();
      expect(sizes).toEqual([Buffer.byteLength(json), 7]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
