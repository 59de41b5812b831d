import { describe, expect, it } from '@jest/globals';
import { Hono } from 'hono';
import { routeTemplate } from './route';

describe('routeTemplate', () => {
  const app = new Hono();
  const seen: Record<string, string | undefined> = {};
  app.use(async (c, next) => {
    await next();
    seen[c.req.path] = routeTemplate(c);
  });
  app.get('/api/v1/workspaces/:id', (c) => c.text('ok'));
  app.get('/boom', () => {
    throw new Error('x');
  });
  app.use('/guarded/*', async (_c, next) => {
    await next();
  });
  app.use('/locked/*', async (c, next) => {
    if (!c.req.header('authorization')) return c.text('who are you?', 401);
    await next();
  });
  app.get('/locked/:thing', (c) => c.text('ok'));
  const sub = new Hono();
  sub.get('/:agentId', (c) => c.text('sub'));
  app.route('/agents', sub);
  app.onError((_e, c) => c.text('err', 500));

  it.each([
    ['/api/v1/workspaces/w_123', '/api/v1/workspaces/:id'],
    ['/boom', '/boom'],
    ['/agents/a1', '/agents/:agentId'],
    ['/nowhere/at/all', undefined],
    ['/guarded/nothing-here', undefined],
    // A middleware's 401 belongs to the route it guarded, not to one "unmatched" bucket.
    ['/locked/box', '/locked/:thing'],
  ])('gives %s the template %s', async (path, template) => {
    await app.request(path);
    expect(seen[path]).toBe(template);
  });
});
