// Swagger UI at /docs, with its assets served from the swagger-ui-dist package rather than a
// CDN: the docs work offline, behind firewalls and under a strict Content-Security-Policy.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { swaggerUI } from '@hono/swagger-ui';
import type { Hono } from 'hono';
// The package's main module evaluates the whole bundle; this file only says where it is.
import swaggerUiDist from 'swagger-ui-dist/absolute-path.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

export function docsRoutes<E extends object>(app: Hono<E>, openapiUrl: string): void {
  const dir = swaggerUiDist();
  const cache = new Map<string, Promise<Buffer>>();
  // swaggerUI() links `${baseUrl}/swagger-ui-dist/<file>`.
  app.get('/docs', swaggerUI({ url: openapiUrl, baseUrl: '/docs/assets' }));
  app.get('/docs/assets/swagger-ui-dist/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = readFile(join(dir, file));
      cache.set(file, body);
    }
    return c.body(new Uint8Array(await body), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
    });
  });
}
